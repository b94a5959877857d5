// tree-sitter (WASM, no native build) parsers and helpers shared by the *.test.mjs files:
// PowerShell for the module, C# for the interop, C for include/cmaad.h.
import v8 from 'node:v8';
import { Parser, Language } from 'web-tree-sitter';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

export const repoRoot = resolve(here, '..', '..', '..');
export const moduleRoot = join(repoRoot, 'powershell', 'CMAAD');
export const rel = (path) => relative(repoRoot, path);

// V8 would spend seconds optimising the grammars' huge parse functions with TurboFan for a few
// small files; the baseline compiler alone parses everything here in well under a second.
v8.setFlagsFromString('--liftoff-only');
await Parser.init();
const grammars = {
  powershell: await Language.load(readFileSync(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'))),
  csharp: await Language.load(readFileSync(require.resolve('tree-sitter-c-sharp/tree-sitter-c_sharp.wasm'))),
  c: await Language.load(readFileSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm'))),
};

export function parse(language, text) {
  const parser = new Parser();
  parser.setLanguage(grammars[language]);
  return parser.parse(text);
}

export function parseFile(language, path) {
  const text = readFileSync(path, 'utf8');
  return { text, tree: parse(language, text) };
}

/** Every node below `node` (depth first), including `node`. */
export function* walk(node) {
  yield node;
  for (const child of node.children) {
    yield* walk(child);
  }
}

/** ERROR and MISSING nodes as "line:col: text" strings (1-based). */
export function syntaxProblems(tree) {
  const problems = [];
  if (!tree.rootNode.hasError) return problems;
  for (const n of walk(tree.rootNode)) {
    if (n.isError || n.type === 'ERROR' || n.isMissing) {
      const kind = n.isMissing ? `MISSING ${n.type}` : 'ERROR';
      problems.push(`${n.startPosition.row + 1}:${n.startPosition.column + 1}: ${kind} near ${JSON.stringify(n.text.slice(0, 40))}`);
    }
  }
  return problems;
}

/** Files under `dir` (recursive, node_modules skipped) whose name ends with one of `exts`. */
export function filesUnder(dir, exts) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...filesUnder(path, exts));
    } else if (exts.some((e) => name.toLowerCase().endsWith(e))) {
      out.push(path);
    }
  }
  return out.sort();
}

/** The value of a PowerShell string literal node's text ('x', "x", or a bare word). */
export function unquote(text) {
  const t = text.trim();
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))) {
    return t.slice(1, -1);
  }
  return t;
}

const child = (node, type) => node.children.find((c) => c.type === type);
const children = (node, type) => node.children.filter((c) => c.type === type);

/** One attribute: { name, type (for a [type] literal), named: {k: text}, positional: [values] }. */
function readAttribute(attr) {
  const literal = child(attr, 'type_literal');
  if (literal) {
    return { type: literal.text.slice(1, -1).trim() };
  }
  const name = child(attr, 'attribute_name').text;
  const named = {};
  const positional = [];
  const args = child(attr, 'attribute_arguments');
  if (args) {
    for (const arg of children(args, 'attribute_argument')) {
      const simple = child(arg, 'simple_name');
      if (simple) {
        const value = arg.children.filter((c) => c !== simple && c.type !== '=');
        named[simple.text.toLowerCase()] = value.length ? value.map((v) => v.text).join('') : '$true';
      } else {
        for (const n of arg.descendantsOfType('string_literal')) positional.push(unquote(n.text));
        if (!positional.length) positional.push(arg.text);
      }
    }
  }
  return { name, named, positional };
}

const truthy = (text) => text !== undefined && /^\$true$/i.test(text.trim());

/** Functions defined in a PowerShell tree, with their binding, help and parameters. */
export function functionsOf(tree) {
  const out = [];
  for (const fn of tree.rootNode.descendantsOfType('function_statement')) {
    const name = child(fn, 'function_name').text;
    const block = child(fn, 'script_block');
    const paramBlock = block && child(block, 'param_block');
    const attributes = [];
    const parameters = [];
    if (paramBlock) {
      const list = child(paramBlock, 'attribute_list');
      if (list) attributes.push(...children(list, 'attribute').map(readAttribute));
      const plist = child(paramBlock, 'parameter_list');
      for (const p of plist ? children(plist, 'script_parameter') : []) {
        const attrs = [];
        const al = child(p, 'attribute_list');
        if (al) attrs.push(...children(al, 'attribute').map(readAttribute));
        const typeAttrs = attrs.filter((a) => a.type);
        const parameterAttrs = attrs.filter((a) => a.name && a.name.toLowerCase() === 'parameter');
        const sets = parameterAttrs.map((a) => (a.named.parametersetname ? unquote(a.named.parametersetname) : '*'));
        const positions = parameterAttrs.map((a) => a.named.position).filter((v) => v !== undefined).map(Number);
        parameters.push({
          name: child(p, 'variable').text.replace(/^\$/, ''),
          type: typeAttrs.length ? typeAttrs[typeAttrs.length - 1].type : null,
          mandatory: parameterAttrs.some((a) => truthy(a.named.mandatory)),
          mandatoryIn: parameterAttrs.filter((a) => truthy(a.named.mandatory)).map((a) => (a.named.parametersetname ? unquote(a.named.parametersetname) : '*')),
          position: positions.length ? positions[0] : null,
          sets: sets.length ? sets : ['*'],
          pipeline: parameterAttrs.some((a) => truthy(a.named.valuefrompipeline)),
          aliases: attrs.filter((a) => a.name && a.name.toLowerCase() === 'alias').flatMap((a) => a.positional),
          attributeNames: attrs.filter((a) => a.name).map((a) => a.name),
          attributes: attrs,
          hasParameterAttribute: parameterAttrs.length > 0,
        });
      }
    }
    const comments = fn.descendantsOfType('comment').filter((n) => n.text.startsWith('<#'));
    out.push({
      name,
      node: fn,
      text: fn.text,
      line: fn.startPosition.row + 1,
      cmdletBinding: attributes.find((a) => a.name && a.name.toLowerCase() === 'cmdletbinding') || null,
      outputType: attributes.find((a) => a.name && a.name.toLowerCase() === 'outputtype') || null,
      parameters,
      help: comments.length ? parseHelp(comments[0].text) : null,
    });
  }
  return out;
}

/** Comment-based help sections: { SYNOPSIS: [text], PARAMETER: {name: text}, EXAMPLE: [text, ...] }. */
export function parseHelp(comment) {
  const help = { PARAMETER: {}, EXAMPLE: [] };
  let current = null;
  for (const line of comment.replace(/^<#/, '').replace(/#>$/, '').split('\n')) {
    const m = line.trim().match(/^\.([A-Z]+)\s*(\S*)/);
    if (m) {
      current = { section: m[1], arg: m[2], text: [] };
      if (m[1] === 'PARAMETER') help.PARAMETER[m[2]] = current.text;
      else if (m[1] === 'EXAMPLE') help.EXAMPLE.push(current.text);
      else help[m[1]] = current.text;
    } else if (current) {
      current.text.push(line.trim());
    }
  }
  return help;
}

/** Strings of a PowerShell array/list expression (e.g. a manifest's FunctionsToExport). */
export function stringsIn(node) {
  return node.descendantsOfType('string_literal').map((n) => unquote(n.text));
}

/** Top-level key -> value node of a .psd1 hashtable. */
export function manifestEntries(tree) {
  const table = tree.rootNode.descendantsOfType('hash_literal_expression')[0];
  const entries = {};
  const body = table && child(table, 'hash_literal_body');
  for (const entry of body ? children(body, 'hash_entry') : []) {
    const key = child(entry, 'key_expression');
    const value = entry.children[entry.children.length - 1];
    entries[key.text.trim()] = value;
  }
  return entries;
}
