/**
 * Architecture guard: the layering of the code base, enforced by test instead of by habit.
 *
 *   bot/ (channel adapters, entry points) → dialogs/ (conversation flows) → services/ (domain + infrastructure)
 *   cards/ (pure renderers) is called by bot/ and dialogs/ but calls nobody.
 *
 * Every .ts file in the repository is parsed with the TypeScript compiler (no type checking,
 * no module resolution) and each module reference — import / export … from, `import()` with a
 * string literal, `import x = require()`, `import('…')` types — is checked against the rules in
 * LAYER_RULES below. A wrong-way import compiles and runs fine, which is exactly why it needs a test:
 * services/ that reach into dialogs/ or cards/ cannot be reused by the worker or tested alone, and
 * cards/ that call services/ are no longer pure renderers.
 *
 * The checker tests itself on in-memory sources and the scan must find a realistic number of files
 * and imports, so it cannot pass silently by finding nothing.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Directories (relative to the repository root, posix) that hold no source of ours. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.data', 'coverage', 'dist', 'manifest/teams/build', 'manifest/slack/build']);
const SOURCE_FILE = /\.(ts|mts|cts|tsx)$/;

const LAYERS = ['bot', 'dialogs', 'services', 'cards', 'manifest', 'scripts', 'bench', 'test'] as const;
type Layer = (typeof LAYERS)[number] | 'other';

/** A module reference found in a source file. `specifier` is exactly as written. */
interface ImportRef {
  readonly specifier: string;
  readonly line: number;
  readonly typeOnly: boolean;
}

/** Where a relative specifier points: a repository path (posix, .js mapped back to .ts) and its layer. */
interface LocalTarget {
  readonly path: string;
  readonly layer: Layer;
}

interface LayerRule {
  readonly rule: string;
  readonly allows: (target: LocalTarget, typeOnly: boolean) => boolean;
}

const inLayer = (...layers: Layer[]) => (target: LocalTarget) => layers.includes(target.layer);

/** Packages (node_modules, node: builtins) are allowed everywhere; these rules govern imports of our own files. */
const LAYER_RULES: Record<Layer, LayerRule> = {
  services: {
    rule: 'services/ may import only services/ and packages, not even types',
    allows: inLayer('services'),
  },
  cards: {
    rule: 'cards/ may import cards/ and packages, and services/ as types only',
    allows: (target, typeOnly) => target.layer === 'cards' || (target.layer === 'services' && typeOnly),
  },
  dialogs: {
    // Flows are channel-neutral: they show screens (cards/index.ts), never a channel's renderer or builder.
    rule: 'dialogs/ may import only dialogs/, cards/ (not its Teams or Slack renderers), services/ and packages',
    allows: (target) =>
      inLayer('dialogs', 'services')(target)
      || (target.layer === 'cards' && !/\.(teams|slack)\.ts$/.test(target.path) && target.path !== 'cards/adaptive.ts' && target.path !== 'cards/blockkit.ts'),
  },
  bot: {
    rule: 'bot/ may import only bot/, dialogs/, cards/, services/ and packages',
    allows: inLayer('bot', 'dialogs', 'cards', 'services'),
  },
  manifest: {
    rule: 'manifest/ may import only manifest/, dialogs/commands.ts, cards/i18n/, services/ and packages',
    allows: (target) =>
      target.layer === 'manifest' || target.layer === 'services'
      || target.path === 'dialogs/commands.ts' || target.path.startsWith('cards/i18n/'),
  },
  scripts: {
    rule: 'scripts/ may import anything but test/ and bench/',
    allows: (target) => target.layer !== 'test' && target.layer !== 'bench',
  },
  bench: { rule: 'bench/ may import anything', allows: () => true },
  test: { rule: 'test/ may import anything', allows: () => true },
  other: {
    rule: 'only test/ and bench/ may import test/',
    allows: (target) => target.layer !== 'test',
  },
};

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function layerOf(repoPath: string): Layer {
  const top = repoPath.split('/')[0];
  return LAYERS.find((layer) => layer === top) ?? 'other';
}

function isLocalSpecifier(specifier: string): boolean {
  return specifier === '.' || specifier === '..' || /^\.{1,2}\//.test(specifier) || specifier.startsWith('/');
}

/** The code imports './x.js' for './x.ts' (NodeNext); map the emitted extension back to the source one. */
function sourcePathOf(repoPath: string): string {
  return repoPath.replace(/\.(m|c)?js(x?)$/, (_all, mc: string | undefined, x: string) => `.${mc ?? ''}ts${x}`);
}

/** Resolves a relative (or absolute) specifier written in `fromFile` (repo path) to a repository path. */
function resolveLocal(fromFile: string, specifier: string): LocalTarget {
  const absolute = specifier.startsWith('/')
    ? specifier
    : path.resolve(REPO_ROOT, path.dirname(fromFile), specifier);
  const repoPath = sourcePathOf(toPosix(path.relative(REPO_ROOT, absolute)));
  const outside = repoPath.startsWith('../') || path.isAbsolute(repoPath);
  return { path: repoPath, layer: outside ? 'other' : layerOf(repoPath) };
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // side-effect import: runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false; // a default import is a value
  const bindings = clause.namedBindings;
  return bindings !== undefined && ts.isNamedImports(bindings)
    && bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause)
    && clause.elements.length > 0 && clause.elements.every((element) => element.isTypeOnly);
}

function stringLiteralText(node: ts.Node | undefined): string | undefined {
  return node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
}

/** The module reference a node makes, if any, as [specifier node, type-only]. */
function moduleReferenceOf(node: ts.Node): [ts.Node, boolean] | undefined {
  if (ts.isImportDeclaration(node)) return [node.moduleSpecifier, isTypeOnlyImport(node)];
  if (ts.isExportDeclaration(node) && node.moduleSpecifier) return [node.moduleSpecifier, isTypeOnlyExport(node)];
  if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
    return [node.moduleReference.expression, node.isTypeOnly];
  }
  if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0]) {
    return [node.arguments[0], false];
  }
  if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) return [node.argument.literal, true];
  return undefined;
}

/** Every module reference with a literal specifier in one source text. */
function collectImports(fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    const reference = moduleReferenceOf(node);
    const specifier = stringLiteralText(reference?.[0]);
    if (reference && specifier !== undefined) {
      const line = source.getLineAndCharacterOfPosition(reference[0].getStart(source)).line + 1;
      found.push({ specifier, line, typeOnly: reference[1] });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The rule an import breaks, or undefined when it is allowed. */
function brokenRule(fromFile: string, ref: ImportRef): string | undefined {
  if (!isLocalSpecifier(ref.specifier)) return undefined; // a package
  const target = resolveLocal(fromFile, ref.specifier);
  const fromLayer = layerOf(fromFile);
  if (target.layer === 'test' && fromLayer !== 'test' && fromLayer !== 'bench') return LAYER_RULES.other.rule;
  const rule = LAYER_RULES[fromLayer];
  return rule.allows(target, ref.typeOnly) ? undefined : rule.rule;
}

/** Violations in one file, formatted `file:line imports spec (rule)`. */
function checkSource(fromFile: string, text: string): string[] {
  return collectImports(fromFile, text).flatMap((ref) => {
    const rule = brokenRule(fromFile, ref);
    return rule === undefined ? [] : [`${fromFile}:${ref.line} imports ${ref.specifier} (${rule})`];
  });
}

/** Repository paths (posix) of every source file, skipping build output, data and dependencies. */
function listSourceFiles(dir = ''): string[] {
  return fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const repoPath = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) return SKIPPED_DIRS.has(repoPath) || entry.name === 'node_modules' ? [] : listSourceFiles(repoPath);
    return entry.isFile() && SOURCE_FILE.test(entry.name) ? [repoPath] : [];
  });
}

interface ScanResult {
  readonly files: string[];
  readonly imports: number;
  readonly localImports: number;
  readonly violations: string[];
}

function scanRepository(): ScanResult {
  const files = listSourceFiles();
  let imports = 0;
  let localImports = 0;
  const violations: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
    const refs = collectImports(file, text);
    imports += refs.length;
    localImports += refs.filter((ref) => isLocalSpecifier(ref.specifier)).length;
    violations.push(...checkSource(file, text));
  }
  return { files, imports, localImports, violations };
}

describe('architecture: layers', () => {
  describe('the checker itself (in-memory sources)', () => {
    const flagged = (file: string, text: string) => checkSource(file, text).length > 0;

    it('flags a value import of services/ from cards/, not a type-only one', () => {
      assert.ok(flagged('cards/x.ts', "import { listOrders } from '../services/purchase/orders.js';"));
      assert.ok(flagged('cards/x.ts', "import { type Order, listOrders } from '../services/purchase/orders.js';"));
      assert.ok(flagged('cards/x.ts', "import '../services/logger.js';"), 'a side-effect import is a value import');
      assert.ok(flagged('cards/x.ts', "export * from '../services/purchase/types.js';"));
      assert.ok(!flagged('cards/x.ts', "import type { Order } from '../services/purchase/types.js';"));
      assert.ok(!flagged('cards/x.ts', "import { type Order, type Line } from '../services/purchase/types.js';"));
      assert.ok(!flagged('cards/x.ts', "export type { Order } from '../services/purchase/types.js';"));
      assert.ok(!flagged('cards/x.ts', "import { t } from './i18n/index.js'; import { z } from 'zod';"));
    });

    it('flags services/ importing cards/ or dialogs/ even as types', () => {
      assert.ok(flagged('services/x.ts', "import type { Card } from '../cards/index.js';"));
      assert.ok(flagged('services/a/x.ts', "export type { Flow } from '../../dialogs/buy.js';"));
      assert.ok(flagged('services/x.ts', "const m = await import('../bot/runtime.js');"));
      assert.ok(flagged('services/x.ts', "type M = typeof import('../cards/index.js');"));
      assert.ok(!flagged('services/a/x.ts', "import { pool } from '../db/pool.js'; import pg from 'pg';"));
    });

    it('applies the manifest/, bot/ and test/ rules', () => {
      assert.ok(!flagged('manifest/x.ts', "import { commands } from '../dialogs/commands.js'; import { en } from '../cards/i18n/en.js';"));
      assert.ok(flagged('manifest/x.ts', "import { buy } from '../dialogs/buy.js';"));
      assert.ok(flagged('dialogs/x.ts', "import { adapter } from '../bot/teams/adapter.js';"));
      assert.ok(flagged('dialogs/x.ts', "import { buySearchModal } from '../cards/buy.slack.js';"), 'a flow never renders for one channel');
      assert.ok(flagged('dialogs/x.ts', "import { buySkuTeams } from '../cards/buy.teams.js';"));
      assert.ok(!flagged('dialogs/x.ts', "import { notices } from '../cards/index.js'; import type { BuyAction } from '../cards/actions.js';"));
      assert.ok(flagged('bot/x.ts', "import { fake } from '../test/fakes/slack-api.js';"));
      assert.ok(flagged('scripts/x.ts', "import x = require('../bench/target.js');"));
      assert.ok(!flagged('bench/x.ts', "import { fake } from '../test/fakes/slack-api.js';"));
    });

    it('reports file:line, the specifier and the rule', () => {
      const text = "import { z } from 'zod';\n\nimport { runDialog } from '../dialogs/runner.js';\n";
      assert.deepEqual(checkSource('services/x.ts', text), [
        `services/x.ts:3 imports ../dialogs/runner.js (${LAYER_RULES.services.rule})`,
      ]);
    });
  });

  describe('the repository', () => {
    let scan: ScanResult;
    before(() => {
      scan = scanRepository();
    });

    it('scans a realistic number of files and imports', () => {
      assert.ok(scan.files.length > 100, `only ${scan.files.length} source files found under ${REPO_ROOT}`);
      assert.ok(scan.imports > 300, `only ${scan.imports} imports found in ${scan.files.length} files`);
      assert.ok(scan.localImports > 150, `only ${scan.localImports} relative imports found`);
      for (const layer of ['bot', 'dialogs', 'services', 'cards', 'manifest', 'scripts', 'test'] as const) {
        assert.ok(scan.files.some((file) => layerOf(file) === layer), `no source files found in ${layer}/`);
      }
    });

    it('has no import against the layering rules', () => {
      assert.deepEqual(scan.violations, [],
        `${scan.violations.length} layering violation(s):\n  ${scan.violations.join('\n  ')}\n`);
    });
  });
});
