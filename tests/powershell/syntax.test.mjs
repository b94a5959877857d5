// Every PowerShell source parses with tree-sitter-powershell, and none uses syntax that Windows
// PowerShell 5.1 lacks. The checker is first shown to catch each construct it forbids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesUnder, parse, parseFile, rel, repoRoot, syntaxProblems, walk } from './lib/parse.mjs';

const sources = [
  ...filesUnder(join(repoRoot, 'powershell'), ['.ps1', '.psm1', '.psd1']),
  ...filesUnder(join(repoRoot, 'tests', 'powershell'), ['.ps1', '.psm1', '.psd1']),
];

/** PowerShell 7-only constructs found in a tree (tree-sitter leaves plus a few shapes). */
function ps7Only(tree) {
  const found = [];
  // (descendantsOfType returns nothing if any name is unknown to the grammar: list known ones only.)
  const suspects = tree.rootNode.descendantsOfType(['&&', '||', '??', '??=', '?.', '?', 'variable', 'pipeline_chain_tail']);
  const leaves = tree.rootNode.hasError ? [...walk(tree.rootNode)].filter((n) => n.childCount === 0) : [];
  for (const n of [...suspects, ...leaves]) {
    const at = `${n.startPosition.row + 1}:${n.startPosition.column + 1}`;
    if (n.childCount === 0 && ['&&', '||', '??', '??=', '?.', '?[', '?'].includes(n.type)) {
      found.push(`${at}: '${n.type}' (PowerShell 7 only)`);
    }
    if (n.childCount === 0 && /^\s*(\?\?=?|\?\.|&&|\|\|)/.test(n.text) && (n.isError || n.parent?.type === 'ERROR')) {
      found.push(`${at}: '${n.text.trim()}' (PowerShell 7 only)`);
    }
    if (n.type === 'variable' && /^\$\w+\?$/.test(n.text)) {
      found.push(`${at}: '${n.text}' looks like a null-conditional access (PowerShell 7 only)`);
    }
    if (n.type === 'pipeline_chain_tail') {
      found.push(`${at}: pipeline chain '${n.text.trim()}' (PowerShell 7 only)`);
    }
  }
  return found;
}

test('the checker catches what Windows PowerShell 5.1 cannot parse', () => {
  const samples = {
    'pipeline chain &&': 'Get-Item a && Get-Item b\n',
    'pipeline chain ||': 'Get-Item a || Write-Error x\n',
    'null coalescing ??': '$x = $y ?? 1\n',
    'null coalescing assignment ??=': '$x ??= 1\n',
    'ternary': '$x = $a ? 1 : 2\n',
    'null-conditional ?.': '$n = $a?.Name\n',
    'clean block': 'function f {\n    process {\n        1\n    }\n    clean {\n        2\n    }\n}\n',
  };
  for (const [what, source] of Object.entries(samples)) {
    const tree = parse('powershell', source);
    const problems = [...syntaxProblems(tree), ...ps7Only(tree)];
    assert.ok(problems.length > 0, `${what} was not caught`);
  }
  const fine = parse('powershell', "if ($a -and $b) {\n    $x = @{ A = 1 }\n}\n$y = $h['k']\n$z = ${env:TEMP}\n");
  assert.deepEqual([...syntaxProblems(fine), ...ps7Only(fine)], []);
});

test('there are PowerShell sources to check', () => {
  assert.ok(sources.some((f) => f.endsWith('CMAAD.psd1')));
  assert.ok(sources.some((f) => f.endsWith('CMAAD.psm1')));
  assert.ok(sources.filter((f) => f.includes('/Public/')).length >= 5);
});

for (const file of sources) {
  test(`${rel(file)} parses and uses only Windows PowerShell 5.1 syntax`, () => {
    const { tree } = parseFile('powershell', file);
    assert.deepEqual(syntaxProblems(tree), [], 'tree-sitter-powershell found syntax errors');
    assert.deepEqual(ps7Only(tree), [], 'PowerShell 7-only syntax');
  });

  test(`${rel(file)} is ASCII without tabs, trailing spaces or a BOM`, () => {
    const bytes = readFileSync(file);
    const problems = [];
    bytes.toString('latin1').split('\n').forEach((line, i) => {
      if (/[^\x00-\x7f]/.test(line)) problems.push(`${i + 1}: non-ASCII (Windows PowerShell 5.1 reads BOM-less files as ANSI)`);
      if (line.includes('\t')) problems.push(`${i + 1}: tab`);
      if (/[ \t]+\r?$/.test(line)) problems.push(`${i + 1}: trailing whitespace`);
    });
    assert.deepEqual(problems, []);
  });
}
