// Module hygiene, checked from the parse: manifest fields and exports, one function per file
// named after it, approved verbs, comment-based help with examples on every function, no
// Write-Host or plain-text secret conversions, format views for every output type, and every
// CmaadSession method the cmdlets call exists in the C# interop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { filesUnder, functionsOf, manifestEntries, moduleRoot, parse, parseFile, rel, repoRoot, stringsIn, unquote, walk } from './lib/parse.mjs';

const publicFiles = readdirSync(join(moduleRoot, 'Public')).filter((f) => f.endsWith('.ps1')).sort();
const publicNames = publicFiles.map((f) => basename(f, '.ps1'));
const privateFiles = readdirSync(join(moduleRoot, 'Private')).filter((f) => f.endsWith('.ps1')).sort();
const moduleFiles = filesUnder(moduleRoot, ['.ps1', '.psm1']);
const parsed = Object.fromEntries(moduleFiles.map((f) => [f, parseFile('powershell', f)]));
const allFunctions = Object.entries(parsed).flatMap(([file, { tree }]) => functionsOf(tree).map((fn) => ({ ...fn, file })));
// Function-level [Alias()] names (ConfigMgr's second names, e.g. Get-CMAzureService).
const functionAliases = (fn) => {
  const paramBlock = fn.node.descendantsOfType('param_block')[0];
  const list = paramBlock && paramBlock.children.find((c) => c.type === 'attribute_list');
  if (!list) return [];
  return list.children.filter((a) => a.type === 'attribute' && /^\[Alias\(/i.test(a.text)).flatMap((a) => stringsIn(a));
};
const publicAliases = allFunctions.filter((f) => f.file.includes('/Public/')).flatMap(functionAliases).sort();
// ConfigMgr names without the CM/CMAAD prefix, kept for drop-in compatibility.
const unprefixedConfigMgrNames = new Set(['Set-UpdateServerApplication']);

// Get-Verb on Windows PowerShell 5.1 (the verbs this module can use).
const approvedVerbs = new Set(['Add', 'Clear', 'Close', 'Copy', 'Enter', 'Exit', 'Find', 'Format', 'Get', 'Hide', 'Join', 'Lock', 'Move', 'New', 'Open', 'Optimize', 'Pop', 'Push', 'Redo', 'Remove', 'Rename', 'Reset', 'Resize', 'Search', 'Select', 'Set', 'Show', 'Skip', 'Split', 'Step', 'Switch', 'Undo', 'Unlock', 'Watch', 'Connect', 'Disconnect', 'Read', 'Receive', 'Send', 'Write', 'Backup', 'Checkpoint', 'Compare', 'Compress', 'Convert', 'ConvertFrom', 'ConvertTo', 'Dismount', 'Edit', 'Expand', 'Export', 'Group', 'Import', 'Initialize', 'Limit', 'Merge', 'Mount', 'Out', 'Publish', 'Restore', 'Save', 'Sync', 'Unpublish', 'Update', 'Approve', 'Assert', 'Build', 'Complete', 'Confirm', 'Deny', 'Deploy', 'Disable', 'Enable', 'Install', 'Invoke', 'Register', 'Request', 'Restart', 'Resume', 'Start', 'Stop', 'Submit', 'Suspend', 'Uninstall', 'Unregister', 'Wait', 'Debug', 'Measure', 'Ping', 'Repair', 'Resolve', 'Test', 'Trace', 'Block', 'Grant', 'Protect', 'Revoke', 'Unblock', 'Unprotect', 'Use']);

test('manifest: identity, editions, versions and explicit exports', () => {
  const { tree } = parseFile('powershell', join(moduleRoot, 'CMAAD.psd1'));
  const m = manifestEntries(tree);
  const one = (key) => unquote(m[key].text);
  assert.equal(one('RootModule'), 'CMAAD.psm1');
  assert.match(one('ModuleVersion'), /^\d+\.\d+\.\d+$/);
  assert.match(one('GUID'), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.ok(one('Author').length > 0 && one('Description').length > 40);
  assert.equal(one('PowerShellVersion'), '5.1');
  assert.deepEqual(stringsIn(m.CompatiblePSEditions).sort(), ['Core', 'Desktop']);
  assert.deepEqual(stringsIn(m.FunctionsToExport).sort(), publicNames, 'FunctionsToExport lists exactly the Public/ files');
  for (const key of ['CmdletsToExport', 'VariablesToExport']) {
    assert.deepEqual(stringsIn(m[key]), [], `${key} is explicit and empty`);
    assert.ok(!m[key].text.includes('*'), `${key} has no wildcard`);
  }
  assert.ok(!m.AliasesToExport.text.includes('*'), 'AliasesToExport has no wildcard');
  assert.deepEqual(stringsIn(m.AliasesToExport).sort(), publicAliases, 'AliasesToExport lists exactly the [Alias()] names of the Public/ functions');
  for (const file of [...stringsIn(m.FormatsToProcess), ...stringsIn(m.FileList)]) {
    assert.ok(existsSync(join(moduleRoot, file)), `${file} listed in the manifest exists`);
  }
  const cargoVersion = readFileSync(join(repoRoot, 'Cargo.toml'), 'utf8').match(/^version\s*=\s*"([^"]+)"/m)[1];
  assert.equal(one('ModuleVersion'), cargoVersion, 'module version follows the library version (Cargo.toml)');
});

test('root module exports the same functions as the manifest', () => {
  const { tree } = parseFile('powershell', join(moduleRoot, 'CMAAD.psm1'));
  const exportCall = tree.rootNode.descendantsOfType('command').find((n) => n.text.startsWith('Export-ModuleMember'));
  assert.ok(exportCall, 'Export-ModuleMember is called');
  const [functionPart, aliasPart = ''] = exportCall.text.split(/\s-Alias\s/);
  assert.deepEqual(stringsIn(parse('powershell', functionPart).rootNode).sort(), publicNames);
  assert.deepEqual(stringsIn(parse('powershell', aliasPart).rootNode).sort(), publicAliases, '-Alias lists the functions\' aliases');
  assert.ok(publicAliases.includes('Get-CMAzureService') && publicAliases.includes('Remove-CMAzureService'), 'ConfigMgr\'s Azure service names');
});

test('each Public/ and Private/ file: functions named after approved verbs, Public files one function named like the file', () => {
  for (const file of publicFiles) {
    const fns = functionsOf(parsed[join(moduleRoot, 'Public', file)].tree);
    assert.deepEqual(fns.map((f) => f.name), [basename(file, '.ps1')], `${file}`);
  }
  for (const fn of allFunctions) {
    const verb = fn.name.split('-')[0];
    assert.ok(approvedVerbs.has(verb), `${fn.name} (${rel(fn.file)}) uses unapproved verb ${verb}`);
    if (unprefixedConfigMgrNames.has(fn.name)) continue;
    assert.match(fn.name, /^[A-Z][A-Za-z]+-(CMAAD|CM|Cmaad)[A-Za-z]+$/, `${fn.name} carries the module prefix`);
  }
});

test('every function is an advanced function with help; public ones document every parameter and have examples', () => {
  for (const fn of allFunctions) {
    if (fn.name === 'Get-CmaadScriptFile') continue; // the loader's own two-line helper in CMAAD.psm1
    assert.ok(fn.cmdletBinding, `${fn.name}: [CmdletBinding()]`);
    assert.ok(fn.help && fn.help.SYNOPSIS && fn.help.SYNOPSIS.join(' ').trim(), `${fn.name}: .SYNOPSIS`);
  }
  for (const name of publicNames) {
    const fn = allFunctions.find((f) => f.name === name);
    const help = fn.help;
    assert.ok(help.DESCRIPTION && help.DESCRIPTION.join(' ').length > 80, `${name}: .DESCRIPTION`);
    assert.ok(help.EXAMPLE.length >= 2, `${name}: at least two .EXAMPLEs`);
    for (const example of help.EXAMPLE) {
      const names = [name, ...functionAliases(fn)];
      assert.ok(example.some((l) => names.some((n) => l.includes(n)) || l.startsWith('$')), `${name}: each example runs the cmdlet`);
    }
    const expected = fn.parameters.map((p) => p.name);
    if (fn.cmdletBinding.named.supportsshouldprocess === '$true') expected.push('WhatIf', 'Confirm');
    assert.deepEqual(Object.keys(help.PARAMETER).sort(), expected.sort(), `${name}: one .PARAMETER per parameter`);
    assert.ok(help.OUTPUTS && help.INPUTS, `${name}: .INPUTS and .OUTPUTS`);
  }
});

test('no Write-Host, Invoke-Expression, plain-text SecureString conversions or global state in the module', () => {
  const banned = [/\bWrite-Host\b/i, /\bInvoke-Expression\b|\biex\b/i, /ConvertTo-SecureString[^\n]*-AsPlainText/i, /ConvertFrom-SecureString[^\n]*-AsPlainText/i, /GetNetworkCredential\(\)/i, /\$global:/i, /PtrToStringAuto|PtrToStringBSTR|SecureStringToBSTR/];
  for (const [file, { text }] of Object.entries(parsed)) {
    for (const pattern of banned) {
      assert.ok(!pattern.test(text), `${rel(file)} matches ${pattern}`);
    }
  }
});

test('every private helper is used', () => {
  const everything = Object.values(parsed).map((p) => p.text).join('\n');
  for (const fn of allFunctions.filter((f) => f.file.includes('/Private/'))) {
    const uses = everything.split(fn.name).length - 1;
    assert.ok(uses >= 2, `${fn.name} is defined but never called`);
  }
  assert.ok(privateFiles.length >= 3);
});

test('format file: well-formed, a view for every type name the module emits', () => {
  const xml = readFileSync(join(moduleRoot, 'CMAAD.Format.ps1xml'), 'utf8');
  const stack = [];
  for (const m of xml.matchAll(/<(\/?)([A-Za-z][\w.]*)[^>]*?(\/?)>/g)) {
    if (m[0].startsWith('<?')) continue;
    if (m[3] === '/') continue;
    if (m[1] === '/') assert.equal(stack.pop(), m[2], `unbalanced </${m[2]}>`);
    else stack.push(m[2]);
  }
  assert.deepEqual(stack, [], 'every element is closed');
  const viewed = new Set([...xml.matchAll(/<TypeName>([^<]+)<\/TypeName>/g)].map((m) => m[1]));
  const emitted = new Set(Object.values(parsed).flatMap(({ text }) => [...text.matchAll(/-TypeName '(CMAAD\.[^']+)'/g)].map((m) => m[1])));
  assert.deepEqual([...emitted].sort(), [...viewed].sort());
  for (const name of publicNames) {
    const fn = allFunctions.find((f) => f.name === name);
    assert.ok(viewed.has(fn.outputType.positional[0]), `${name}'s output type has a view`);
  }
  for (const prop of xml.matchAll(/<PropertyName>([^<]+)<\/PropertyName>/g)) {
    assert.match(prop[1], /^[A-Z][A-Za-z]+$/);
  }
});

test('the CmaadSession methods the cmdlets call exist in the C# interop', () => {
  const cs = readFileSync(join(moduleRoot, 'Interop', 'CmaadNative.cs'), 'utf8');
  const called = new Set(Object.values(parsed).flatMap(({ text }) => [...text.matchAll(/-Method '([A-Za-z]+)'/g)].map((m) => m[1])));
  assert.ok(called.size >= 4);
  for (const method of called) {
    assert.match(cs, new RegExp(`public [\\w.<>]+ ${method}\\(`), `CmaadSession.${method} exists`);
  }
  for (const member of [...Object.values(parsed).map((p) => p.text).join('\n').matchAll(/\[CMAAD\.Interop\.(\w+)\]::(\w+)/g)]) {
    assert.match(cs, new RegExp(`class ${member[1]}\\b[\\s\\S]*public static [\\w.<>\\[\\]]+ ${member[2]}\\b`), `${member[1]}::${member[2]} exists`);
  }
  for (const typeName of ['CMAAD.AzureEnvironment', 'CMAAD.CloudApplicationType']) {
    assert.match(cs, new RegExp(`public enum ${typeName.split('.')[1]}\\b`), `${typeName} is defined`);
  }
});

test('help topic and examples exist', () => {
  const about = readFileSync(join(moduleRoot, 'en-US', 'about_CMAAD.help.txt'), 'utf8');
  assert.match(about, /^TOPIC\s*\n\s*about_CMAAD/m);
  for (const name of publicNames) assert.ok(about.includes(name), `about_CMAAD mentions ${name}`);
  const examples = filesUnder(join(repoRoot, 'powershell', 'examples'), ['.ps1']);
  assert.ok(examples.length >= 1, 'powershell/examples has an onboarding script');
});
