/**
 * Checks and packages the app manifests (used by `npm run manifest` and the tests):
 * - the Teams commandLists and the Slack /csp usage hint must match the command registry
 *   (or, with `write`, are rewritten from it);
 * - placeholders are filled from the environment (defaults with a warning);
 * - the Teams manifest is validated against the JSON schema that @microsoft/app-manifest
 *   bundles (offline), the icons against Teams' sizes;
 * - manifest.json + color.png + outline.png are zipped for upload, and the Slack manifest
 *   is written with its URLs filled in.
 * Every problem is collected and thrown together in one ManifestError.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import yazl from 'yazl';
import { ManifestError, slackUsageHint, teamsCommandLists } from './commands.js';
import { decodePng, readPngHeader } from './png.js';

export { ManifestError };

export const TEAMS_PACKAGE_NAME = 'csp-software-desk.zip';
export const ICON_SIZES = { color: 192, outline: 32 } as const;
const ZERO_GUID = '00000000-0000-0000-0000-000000000000';
const GUID = /^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i;

export interface ManifestPaths {
  teamsDir: string;
  slackManifest: string;
}

export function manifestPaths(root: string): ManifestPaths {
  return { teamsDir: path.join(root, 'manifest/teams'), slackManifest: path.join(root, 'manifest/slack/manifest.json') };
}

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function firstBot(manifest: Json): Json | undefined {
  const bots = manifest.bots;
  return Array.isArray(bots) && typeof bots[0] === 'object' && bots[0] !== null ? (bots[0] as Json) : undefined;
}

function csp(manifest: Json): Json | undefined {
  const features = manifest.features as Json | undefined;
  const commands = features?.slash_commands;
  return Array.isArray(commands) ? (commands as Json[]).find((c) => c.command === '/csp') : undefined;
}

/** Differences between the Teams manifest's commandLists and the registry (empty: in sync). */
export function teamsCommandDrift(manifest: Json): string[] {
  const bot = firstBot(manifest);
  if (!bot) return ['manifest/teams/manifest.json has no bot'];
  if (isDeepStrictEqual(bot.commandLists, teamsCommandLists())) return [];
  return [
    'manifest/teams/manifest.json: bots[0].commandLists differ from the command registry (dialogs/commands.ts). ' +
      'Run `npm run manifest -- --write` to regenerate them.',
  ];
}

/** Differences between the Slack manifest's /csp command and the registry (empty: in sync). */
export function slackCommandDrift(manifest: Json): string[] {
  const command = csp(manifest);
  if (!command) return ['manifest/slack/manifest.json has no /csp slash command'];
  if (command.usage_hint === slackUsageHint()) return [];
  return [
    `manifest/slack/manifest.json: the /csp usage_hint "${String(command.usage_hint)}" differs from the command registry ` +
      `("${slackUsageHint()}"). Run \`npm run manifest -- --write\` to regenerate it.`,
  ];
}

/** Rewrite the generated parts of both checked-in manifests from the registry. */
export function writeCommandsFromRegistry(paths: ManifestPaths): void {
  const teamsFile = path.join(paths.teamsDir, 'manifest.json');
  const teams = readJson(teamsFile);
  const bot = firstBot(teams);
  if (bot) bot.commandLists = teamsCommandLists();
  writeJson(teamsFile, teams);
  const slack = readJson(paths.slackManifest);
  const command = csp(slack);
  if (command) command.usage_hint = slackUsageHint();
  writeJson(paths.slackManifest, slack);
}

export interface PlaceholderValues {
  TEAMS_APP_ID: string;
  BOT_ID: string;
  BOT_DOMAIN: string;
  DEVELOPER_NAME: string;
  DEVELOPER_WEBSITE_URL: string;
  PRIVACY_URL: string;
  TERMS_URL: string;
}

/** Placeholder values from the environment; a missing one gets a default and a warning. */
export function resolvePlaceholders(env: Record<string, string | undefined>): { values: PlaceholderValues; warnings: string[]; problems: string[] } {
  const warnings: string[] = [];
  const problems: string[] = [];
  const pick = (name: string, fallback: string, why: string, alt?: string): string => {
    const value = env[name]?.trim() || (alt ? env[alt]?.trim() : undefined);
    if (value) return value;
    warnings.push(`${name} is not set; using ${fallback} (${why})`);
    return fallback;
  };
  const TEAMS_APP_ID = pick('TEAMS_APP_ID', ZERO_GUID, 'set it to your Teams app id before uploading');
  const BOT_ID = pick('BOT_ID', ZERO_GUID, 'set it to the bot\'s Microsoft App ID', 'MicrosoftAppId');
  const BOT_DOMAIN = pick('BOT_DOMAIN', 'csp-desk.example.com', 'set it to the public host name of the bot');
  const DEVELOPER_NAME = pick('DEVELOPER_NAME', 'CSP partner', 'your organisation\'s name, shown in the app details');
  const DEVELOPER_WEBSITE_URL = pick('DEVELOPER_WEBSITE_URL', `https://${BOT_DOMAIN}/`, 'your website');
  const PRIVACY_URL = pick('PRIVACY_URL', `https://${BOT_DOMAIN}/privacy`, 'your privacy statement');
  const TERMS_URL = pick('TERMS_URL', `https://${BOT_DOMAIN}/terms`, 'your terms of use');
  if (!GUID.test(TEAMS_APP_ID)) problems.push(`TEAMS_APP_ID "${TEAMS_APP_ID}" is not a GUID`);
  if (!GUID.test(BOT_ID)) problems.push(`BOT_ID "${BOT_ID}" is not a GUID`);
  if (!HOSTNAME.test(BOT_DOMAIN)) problems.push(`BOT_DOMAIN "${BOT_DOMAIN}" must be a host name only, e.g. desk.contoso.com (no https://, no path)`);
  if (DEVELOPER_NAME.length > 32) problems.push(`DEVELOPER_NAME is ${DEVELOPER_NAME.length} chars; Teams allows 32`);
  for (const [name, url] of Object.entries({ DEVELOPER_WEBSITE_URL, PRIVACY_URL, TERMS_URL })) {
    if (!/^https:\/\/\S+$/.test(url)) problems.push(`${name} "${url}" must be an https:// URL`);
  }
  return { values: { TEAMS_APP_ID, BOT_ID, BOT_DOMAIN, DEVELOPER_NAME, DEVELOPER_WEBSITE_URL, PRIVACY_URL, TERMS_URL }, warnings, problems };
}

/**
 * Replace `${{NAME}}` (Teams, the Agents Toolkit's syntax) or `${NAME}` (Slack) inside
 * JSON text; values are JSON-escaped. Unknown placeholders are reported, not left in.
 */
export function fillPlaceholders(jsonText: string, values: PlaceholderValues, syntax: 'teams' | 'slack'): { text: string; problems: string[] } {
  const problems: string[] = [];
  const pattern = syntax === 'teams' ? /\$\{\{([A-Z0-9_]+)\}\}/g : /\$\{([A-Z0-9_]+)\}/g;
  const text = jsonText.replace(pattern, (whole, name: string) => {
    if (!Object.hasOwn(values, name)) {
      problems.push(`unknown placeholder ${whole}`);
      return whole;
    }
    return JSON.stringify(values[name as keyof PlaceholderValues]).slice(1, -1);
  });
  return { text, problems };
}

/** Where @microsoft/app-manifest keeps the schema for a `$schema` URL, if it bundles it. */
export function bundledSchemaFile(schemaUrl: string): string | undefined {
  const match = /\/json-schemas\/teams\/(v[0-9.]+|vDevPreview)\/MicrosoftTeams\.schema\.json$/.exec(schemaUrl);
  if (!match) return undefined;
  const packageJson = createRequire(import.meta.url).resolve('@microsoft/app-manifest/package.json');
  const file = path.join(path.dirname(packageJson), 'build/json-schemas/teams', match[1]!, 'MicrosoftTeams.schema.json');
  return fs.existsSync(file) ? file : undefined;
}

/** JSON-schema errors of a (placeholder-filled) Teams manifest; offline only. */
export async function teamsSchemaErrors(manifest: Json): Promise<string[]> {
  const schemaUrl = typeof manifest.$schema === 'string' ? manifest.$schema : '';
  if (!bundledSchemaFile(schemaUrl)) {
    return [`$schema "${schemaUrl}" is not bundled with @microsoft/app-manifest (validating it would need the network)`];
  }
  return (await AppManifestUtils.validateAgainstSchema(manifest as unknown as AppManifest)).map((e) => `schema: ${e}`);
}

/** Teams' icon rules: color 192×192, outline 32×32 in white on transparent. */
export function iconProblems(teamsDir: string, manifest: Json): string[] {
  const problems: string[] = [];
  const icons = (manifest.icons ?? {}) as Record<string, unknown>;
  for (const kind of ['color', 'outline'] as const) {
    const name = icons[kind];
    if (typeof name !== 'string') {
      problems.push(`icons.${kind} is missing`);
      continue;
    }
    const file = path.join(teamsDir, name);
    if (!fs.existsSync(file)) {
      problems.push(`icons.${kind}: ${name} does not exist`);
      continue;
    }
    const png = fs.readFileSync(file);
    let header;
    try {
      header = readPngHeader(png);
    } catch {
      problems.push(`icons.${kind}: ${name} is not a PNG`);
      continue;
    }
    const size = ICON_SIZES[kind];
    if (header.width !== size || header.height !== size) {
      problems.push(`icons.${kind}: ${name} is ${header.width}×${header.height}; Teams needs ${size}×${size}`);
    }
    if (kind === 'outline') {
      try {
        const { pixels } = decodePng(png);
        let offending = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          if (pixels[i + 3]! > 0 && (pixels[i]! < 250 || pixels[i + 1]! < 250 || pixels[i + 2]! < 250)) offending++;
        }
        if (offending > 0) problems.push(`icons.outline: ${name} has ${offending} pixels that are neither white nor transparent`);
      } catch (e) {
        problems.push(`icons.outline: ${name} could not be checked (${(e as Error).message})`);
      }
    }
  }
  return problems;
}

function zip(file: string, entries: Array<{ name: string; data: Buffer }>): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = new yazl.ZipFile();
    // A fixed date keeps the package byte-identical for identical input.
    for (const e of entries) archive.addBuffer(e.data, e.name, { mtime: new Date(Date.UTC(2020, 0, 1)), mode: 0o100644 });
    archive.end();
    const out = fs.createWriteStream(file);
    archive.outputStream.on('error', reject).pipe(out).on('error', reject).on('close', () => resolve());
  });
}

export interface BuildOptions {
  root: string;
  /** Where the Teams zip goes (default manifest/teams/build). */
  teamsOutDir?: string;
  /** Where the filled-in Slack manifest goes (default manifest/slack/build). */
  slackOutDir?: string;
  env: Record<string, string | undefined>;
  /** Regenerate the command parts of the checked-in manifests instead of failing on drift. */
  write?: boolean;
}

export interface BuildResult {
  warnings: string[];
  teamsPackage: string;
  slackManifest: string;
}

export async function buildManifests(options: BuildOptions): Promise<BuildResult> {
  const paths = manifestPaths(options.root);
  if (options.write) writeCommandsFromRegistry(paths);

  const teamsText = fs.readFileSync(path.join(paths.teamsDir, 'manifest.json'), 'utf8');
  const slackText = fs.readFileSync(paths.slackManifest, 'utf8');
  const problems = [...teamsCommandDrift(JSON.parse(teamsText) as Json), ...slackCommandDrift(JSON.parse(slackText) as Json)];

  const { values, warnings, problems: valueProblems } = resolvePlaceholders(options.env);
  problems.push(...valueProblems);
  const teamsFilled = fillPlaceholders(teamsText, values, 'teams');
  const slackFilled = fillPlaceholders(slackText, values, 'slack');
  problems.push(...teamsFilled.problems.map((p) => `manifest/teams/manifest.json: ${p}`));
  problems.push(...slackFilled.problems.map((p) => `manifest/slack/manifest.json: ${p}`));

  const teams = JSON.parse(teamsFilled.text) as Json;
  if (valueProblems.length === 0) problems.push(...(await teamsSchemaErrors(teams)));
  problems.push(...iconProblems(paths.teamsDir, teams));
  if (problems.length > 0) throw new ManifestError(problems);

  const teamsOutDir = options.teamsOutDir ?? path.join(paths.teamsDir, 'build');
  const slackOutDir = options.slackOutDir ?? path.join(options.root, 'manifest/slack/build');
  fs.mkdirSync(teamsOutDir, { recursive: true });
  fs.mkdirSync(slackOutDir, { recursive: true });
  const icons = teams.icons as { color: string; outline: string };
  const teamsPackage = path.join(teamsOutDir, TEAMS_PACKAGE_NAME);
  await zip(teamsPackage, [
    { name: 'manifest.json', data: Buffer.from(teamsFilled.text) },
    { name: icons.color, data: fs.readFileSync(path.join(paths.teamsDir, icons.color)) },
    { name: icons.outline, data: fs.readFileSync(path.join(paths.teamsDir, icons.outline)) },
  ]);
  const slackManifest = path.join(slackOutDir, 'manifest.json');
  fs.writeFileSync(slackManifest, slackFilled.text);
  return { warnings, teamsPackage, slackManifest };
}
