// Each cmdlet's param() block, read from the tree-sitter parse, against contract.json (the
// machine-readable copy of shared/docs/contract.md's tables): names, types, mandatory,
// positions, aliases, parameter sets, pipeline input, ShouldProcess and output type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { functionsOf, moduleRoot, parse, parseFile, unquote } from './lib/parse.mjs';

const contract = JSON.parse(readFileSync(new URL('./contract.json', import.meta.url), 'utf8'));
const all = { ...contract.cmdlets, ...contract.moduleCmdlets };

function cmdlet(name) {
  const file = join(moduleRoot, 'Public', `${name}.ps1`);
  assert.ok(existsSync(file), `${file} is missing`);
  const functions = functionsOf(parseFile('powershell', file).tree);
  assert.deepEqual(functions.map((f) => f.name), [name], `${name}.ps1 defines exactly ${name}`);
  return functions[0];
}

const sameType = (contractType, psType) =>
  (contract.typeMap[contractType] || []).some((t) => t.toLowerCase() === String(psType).toLowerCase());

/** Differences between a parsed parameter and its contract entry. */
function compare(name, spec, p) {
  const diffs = [];
  if (!sameType(spec.type, p.type)) diffs.push(`type [${p.type}] is not ${spec.type} (${contract.typeMap[spec.type]})`);
  if (p.mandatory !== spec.mandatory) diffs.push(`mandatory ${p.mandatory}, contract ${spec.mandatory}`);
  if (p.position !== spec.position) diffs.push(`position ${p.position}, contract ${spec.position}`);
  const aliases = [...p.aliases].sort();
  const expected = [...spec.aliases].sort();
  if (JSON.stringify(aliases) !== JSON.stringify(expected)) diffs.push(`aliases ${JSON.stringify(aliases)}, contract ${JSON.stringify(expected)}`);
  const sets = [...p.sets].sort();
  if (JSON.stringify(sets) !== JSON.stringify([...spec.sets].sort())) diffs.push(`sets ${JSON.stringify(sets)}, contract ${JSON.stringify(spec.sets)}`);
  const mandatoryIn = spec.mandatoryIn ? [...spec.mandatoryIn].sort() : sets;
  if (spec.mandatory && JSON.stringify([...p.mandatoryIn].sort()) !== JSON.stringify(mandatoryIn)) diffs.push(`mandatory in ${p.mandatoryIn}, contract ${mandatoryIn}`);
  if (p.pipeline !== Boolean(spec.pipeline)) diffs.push(`ValueFromPipeline ${p.pipeline}, contract ${Boolean(spec.pipeline)}`);
  const byName = p.attributes.some((a) => a.name && a.name.toLowerCase() === 'parameter' && /^\$true$/i.test(a.named.valuefrompipelinebypropertyname || ''));
  if (byName !== Boolean(spec.pipelineByPropertyName)) diffs.push(`ValueFromPipelineByPropertyName ${byName}, contract ${Boolean(spec.pipelineByPropertyName)}`);
  if (spec.transformation && !p.attributeNames.includes(spec.transformation)) diffs.push(`needs [${spec.transformation}()]`);
  if (!p.hasParameterAttribute) diffs.push('no [Parameter()] attribute');
  return diffs.map((d) => `${name}: ${d}`);
}

test('contract.json covers the ConfigurationManager cmdlets CMAAD reimplements', () => {
  assert.deepEqual(Object.keys(contract.cmdlets).sort(), [
    'Get-CMAADApplication', 'Get-CMAADTenant', 'Get-CMCloudManagementAzureService', 'Import-CMAADClientApplication',
    'Import-CMAADServerApplication', 'New-CMAADClientApplication', 'New-CMAADServerApplication', 'New-CMCloudManagementAzureService',
    'Remove-CMCloudManagementAzureService', 'Set-CMCloudManagementAzureService', 'Set-UpdateServerApplication',
  ]);
  const aliases = Object.values(contract.cmdlets).flatMap((c) => c.commandAliases || []).sort();
  assert.deepEqual(aliases, ['Get-CMAzureService', 'Remove-CMAzureService'], 'ConfigMgr\'s Azure service cmdlet names');
});

test('every Public/ cmdlet has a contract entry', () => {
  const publicDir = join(moduleRoot, 'Public');
  const names = readdirSync(publicDir).filter((f) => f.endsWith('.ps1')).map((f) => f.slice(0, -4)).sort();
  assert.deepEqual(Object.keys(all).sort(), names);
});

test('the comparison catches a wrong mandatory set and pipeline-by-property-name', () => {
  const source = `function Connect-CMAADAzure {
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [Parameter(Mandatory = $true, ParameterSetName = 'DeviceCode')]
        [Parameter(Mandatory = $true, ParameterSetName = 'ClientSecret', ValueFromPipelineByPropertyName = $true)]
        [string]$ClientId
    )
}
`;
  const p = functionsOf(parse('powershell', source))[0].parameters[0];
  const diffs = compare('ClientId', contract.moduleCmdlets['Connect-CMAADAzure'].parameters.ClientId, p);
  assert.ok(diffs.some((d) => d.includes('mandatory in')), `mandatory set difference not reported: ${diffs}`);
  assert.ok(diffs.some((d) => d.includes('ByPropertyName')), `by-property-name difference not reported: ${diffs}`);
});

test('the comparison catches a wrong type, position, alias, set and mandatory flag', () => {
  const source = `function Import-CMAADServerApplication {
    [CmdletBinding(SupportsShouldProcess = $true, PositionalBinding = $false)]
    param(
        [Parameter(Mandatory = $true, Position = 1, ParameterSetName = 'X')]
        [Alias('AppNameX')]
        [int]$AppName
    )
}
`;
  const p = functionsOf(parse('powershell', source))[0].parameters[0];
  const diffs = compare('AppName', contract.cmdlets['Import-CMAADServerApplication'].parameters.AppName, p);
  for (const word of ['type', 'position', 'aliases', 'sets']) {
    assert.ok(diffs.some((d) => d.includes(word)), `${word} difference not reported: ${diffs}`);
  }
});

for (const [name, spec] of Object.entries(all)) {
  test(`${name}: parameters match the contract`, () => {
    const fn = cmdlet(name);
    const expected = { ...spec.parameters, ...(spec.noCommonParameters ? {} : contract.commonParameters) };
    const actual = Object.fromEntries(fn.parameters.map((p) => [p.name, p]));
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), 'parameter names');
    const diffs = Object.entries(expected).flatMap(([pname, pspec]) => compare(pname, pspec, actual[pname]));
    assert.deepEqual(diffs, []);
  });

  test(`${name}: binding, ShouldProcess and output type`, () => {
    const fn = cmdlet(name);
    assert.ok(fn.cmdletBinding, 'an advanced function ([CmdletBinding()])');
    const binding = fn.cmdletBinding.named;
    assert.equal(binding.positionalbinding, '$false', 'PositionalBinding = $false: only the contract\'s positions bind by position');
    const supports = binding.supportsshouldprocess === '$true';
    assert.equal(supports, spec.supportsShouldProcess, 'SupportsShouldProcess');
    const calls = /\$PSCmdlet\.ShouldProcess\(/.test(fn.text);
    assert.equal(calls, spec.supportsShouldProcess, 'ShouldProcess is called exactly when it is declared');
    const defaultSet = binding.defaultparametersetname ? unquote(binding.defaultparametersetname) : null;
    assert.equal(defaultSet, spec.defaultParameterSet || null, 'DefaultParameterSetName');
    assert.ok(fn.outputType, '[OutputType()]');
    const outputTypes = [].concat(spec.outputType);
    assert.deepEqual(fn.outputType.positional, outputTypes);
    for (const type of outputTypes) {
      assert.match(fn.text, new RegExp(`-TypeName '${type.replace('.', '\\.')}'|return \\$script:CmaadSite|return \\$description`), `objects carry the declared type name ${type}`);
    }
    const impact = binding.confirmimpact ? unquote(binding.confirmimpact) : null;
    if (spec.confirmImpact) assert.equal(impact, spec.confirmImpact, 'ConfirmImpact');
    if (spec.supportsShouldProcess) assert.ok(impact, 'ConfirmImpact is explicit');
    const fnAliases = fn.node.descendantsOfType('param_block')[0].children
      .filter((c) => c.type === 'attribute_list').flatMap((l) => l.children)
      .filter((a) => a.type === 'attribute' && /^\[Alias\(/i.test(a.text))
      .flatMap((a) => [...a.text.matchAll(/'([^']+)'/g)].map((m) => m[1]));
    assert.deepEqual(fnAliases.sort(), [...(spec.commandAliases || [])].sort(), 'function-level aliases');
  });
}

/** Private helpers by name, so a cmdlet's request keys include those of the helpers it calls. */
const privateHelpers = new Map(
  readdirSync(join(moduleRoot, 'Private')).filter((f) => f.endsWith('.ps1'))
    .flatMap((f) => functionsOf(parseFile('powershell', join(moduleRoot, 'Private', f)).tree))
    .map((f) => [f.name, f]),
);

/** Keys a cmdlet puts into its request dictionary ($request / $filter / $options), directly or
 * through a private helper it passes the request to. */
function requestKeys(fn) {
  const keys = new Set();
  const text = fn.text;
  for (const [name, helper] of privateHelpers) {
    if (name !== fn.name && new RegExp(`${name} [^\n]*-Request \\$request`).test(text)) {
      for (const k of requestKeys(helper)) keys.add(k);
    }
  }
  for (const m of text.matchAll(/\$(?:request|filter|options)\['(\w+)'\]/gi)) keys.add(m[1]);
  for (const m of text.matchAll(/\$(?:request|filter|options) = \[ordered\]@\{([^}]*)\}/g)) {
    for (const k of m[1].matchAll(/^\s*(\w+)\s*=/gm)) keys.add(k[1]);
  }
  // foreach ($x in @('A', 'B')) { ... $request[$x] = ... }
  for (const m of text.matchAll(/foreach \(\$(\w+) in @\(([^)]*)\)\) \{[^]*?\n\s*\}/g)) {
    if (new RegExp(`\\$(?:request|filter|options)\\[\\$${m[1]}\\]`, 'i').test(m[0])) {
      for (const s of m[2].matchAll(/'(\w+)'/g)) keys.add(s[1]);
    }
  }
  return [...keys].sort();
}

for (const [name, fields] of Object.entries(contract.requestFields).filter(([k]) => !k.startsWith('$'))) {
  test(`${name}: sends only the request fields the library accepts`, () => {
    const keys = requestKeys(cmdlet(name));
    assert.ok(keys.length >= Math.min(3, fields.length), `found request keys: ${keys}`);
    assert.deepEqual(keys.filter((k) => !fields.includes(k)), [], 'unknown request fields');
    assert.deepEqual(fields.filter((k) => !keys.includes(k)), [], 'contract fields the cmdlet never sends');
  });
}
