// Manifests are arbitrary JSON that these tests read and break on purpose.
 
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { COMMANDS } from '../../dialogs/commands.js';
import {
  bundledSchemaFile, buildManifests, fillPlaceholders, iconProblems, ManifestError, resolvePlaceholders,
  slackCommandDrift, teamsCommandDrift, teamsSchemaErrors,
} from '../../manifest/build.js';
import { slackUsageHint, teamsCommandLists } from '../../manifest/commands.js';
import { encodePng, readPngHeader } from '../../manifest/png.js';
import { readZip } from './zip.js';

const run = promisify(execFile);
const teamsText = fs.readFileSync('manifest/teams/manifest.json', 'utf8');
const slackText = fs.readFileSync('manifest/slack/manifest.json', 'utf8');
const teamsJson = (): any => JSON.parse(teamsText);
const slackJson = (): any => JSON.parse(slackText);

function filledTeams(env: Record<string, string> = {}): Record<string, unknown> {
  const { values } = resolvePlaceholders({ TEAMS_APP_ID: randomUUID(), BOT_ID: randomUUID(), BOT_DOMAIN: 'desk.contoso.com', ...env });
  return JSON.parse(fillPlaceholders(teamsText, values, 'teams').text) as Record<string, unknown>;
}

/** A scratch copy of manifest/ to break on purpose. */
function scratchRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csp-manifest-'));
  fs.cpSync('manifest/teams', path.join(dir, 'manifest/teams'), { recursive: true, filter: (src) => !src.includes('/build') });
  fs.cpSync('manifest/slack', path.join(dir, 'manifest/slack'), { recursive: true, filter: (src) => !src.includes('/build') });
  return dir;
}

const quietEnv = { TEAMS_APP_ID: randomUUID(), BOT_ID: randomUUID(), BOT_DOMAIN: 'desk.contoso.com', DEVELOPER_NAME: 'Contoso' };

describe('manifest/teams', () => {
  it('validates against the bundled JSON schema with no errors, offline', async () => {
    const manifest = filledTeams();
    assert.ok(bundledSchemaFile(String(manifest.$schema)), 'the $schema version is bundled with @microsoft/app-manifest');
    assert.match(String(manifest.$schema), new RegExp(`/v${String(manifest.manifestVersion).replace('.', '\\.')}/`));
    assert.deepEqual(await teamsSchemaErrors(manifest), []);
  });

  it('the schema check can fail', async () => {
    const manifest = filledTeams() as any;
    manifest.bots[0].botId = 'not-a-guid';
    delete manifest.description.short;
    const errors = await teamsSchemaErrors(manifest);
    assert.ok(errors.some((e) => e.includes('/bots/0/botId')), errors.join('\n'));
    assert.ok(errors.some((e) => e.includes("required property 'short'")), errors.join('\n'));
  });

  it('leaves no placeholder unfilled and puts the ids where Teams expects them', () => {
    const appId = randomUUID();
    const botId = randomUUID();
    const manifest = filledTeams({ TEAMS_APP_ID: appId, BOT_ID: botId }) as any;
    assert.ok(!JSON.stringify(manifest).includes('${{'));
    assert.equal(manifest.id, appId);
    assert.equal(manifest.bots[0].botId, botId);
    assert.deepEqual(manifest.validDomains, ['desk.contoso.com']);
    assert.equal(manifest.developer.privacyUrl, 'https://desk.contoso.com/privacy');
    assert.deepEqual(manifest.bots[0].scopes, ['personal', 'team', 'groupChat']);
    // Files sent in the personal chat reach the bot (the support form's attachments, R21).
    assert.equal(manifest.bots[0].supportsFiles, true);
    assert.equal(manifest.name.short, 'CSP Software Desk');
  });

  it('commandLists are exactly what the command registry produces, one list per scope', () => {
    const lists = teamsJson().bots[0].commandLists;
    assert.deepEqual(lists, teamsCommandLists());
    assert.deepEqual(lists.map((l: { scopes: string[] }) => l.scopes), [['personal'], ['team'], ['groupChat']]);
    assert.deepEqual(lists[0]!.commands.map((c: { title: string }) => c.title), COMMANDS.map((c) => c.name));
    assert.deepEqual(teamsCommandDrift(teamsJson()), []);
  });

  it('detects drift between commandLists and the registry', () => {
    const removed = teamsJson();
    removed.bots[0].commandLists[1].commands.pop();
    assert.match(teamsCommandDrift(removed).join(), /differ from the command registry/);
    const reworded = teamsJson();
    reworded.bots[0].commandLists[0].commands[0].description = 'Something else';
    assert.equal(teamsCommandDrift(reworded).length, 1);
  });

  it('refuses a registry that breaks Teams\' command limits', () => {
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ ...COMMANDS[0]!, name: `c${i}` }));
    assert.throws(() => teamsCommandLists(tooMany), /at most 10/);
    assert.throws(() => teamsCommandLists([{ ...COMMANDS[0]!, name: 'x'.repeat(33) }]), /over 32 chars/);
    assert.throws(() => teamsCommandLists([{ ...COMMANDS[0]!, descriptionKey: 'command.nope' }]), /not in the message catalog/);
  });

  it('has a 192×192 colour icon and a 32×32 white-on-transparent outline icon', () => {
    assert.deepEqual(readPngHeader(fs.readFileSync('manifest/teams/color.png')), { width: 192, height: 192, bitDepth: 8, colorType: 6 });
    assert.deepEqual(readPngHeader(fs.readFileSync('manifest/teams/outline.png')), { width: 32, height: 32, bitDepth: 8, colorType: 6 });
    assert.deepEqual(iconProblems('manifest/teams', teamsJson()), []);
  });

  it('the icon check can fail: wrong size, coloured outline, missing file', () => {
    const dir = scratchRoot();
    const teamsDir = path.join(dir, 'manifest/teams');
    const solid = (size: number, rgba: number[]) => encodePng({ width: size, height: size, pixels: new Uint8Array(Array.from({ length: size * size }, () => rgba).flat()) });
    fs.writeFileSync(path.join(teamsDir, 'color.png'), solid(100, [0, 0, 255, 255]));
    fs.writeFileSync(path.join(teamsDir, 'outline.png'), solid(32, [255, 0, 0, 255]));
    const problems = iconProblems(teamsDir, teamsJson());
    assert.ok(problems.some((p) => p.includes('100×100; Teams needs 192×192')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('1024 pixels that are neither white nor transparent')), problems.join('\n'));
    fs.rmSync(path.join(teamsDir, 'outline.png'));
    assert.ok(iconProblems(teamsDir, teamsJson()).some((p) => p.includes('does not exist')));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('manifest/slack', () => {
  it('the /csp usage hint is generated from the registry', () => {
    const csp = slackJson().features.slash_commands.find((c: { command: string }) => c.command === '/csp');
    assert.equal(csp.usage_hint, slackUsageHint());
    assert.ok(csp.usage_hint.startsWith('help | buy [customer] [product] | '));
    for (const c of COMMANDS) assert.ok(csp.usage_hint.includes(c.name), c.name);
    assert.ok(csp.usage_hint.length <= 1000);
    assert.deepEqual(slackCommandDrift(slackJson()), []);
  });

  it('detects drift of the usage hint', () => {
    const changed = slackJson();
    changed.features.slash_commands[0].usage_hint = 'help | buy';
    assert.match(slackCommandDrift(changed).join(), /differs from the command registry/);
  });

  it('asks for the minimum scopes and points commands and interactivity at /slack/events', () => {
    const m = slackJson();
    // files:read: the support modal's file input and files.info; files:write: the activity log's CSV uploaded into the DM;
    // users:read.email: the contact's email from users.info.
    assert.deepEqual([...m.oauth_config.scopes.bot].sort(), ['chat:write', 'commands', 'files:read', 'files:write', 'im:write', 'users:read', 'users:read.email']);
    assert.equal(m.features.slash_commands[0].url, 'https://${BOT_DOMAIN}/slack/events');
    assert.equal(m.settings.interactivity.is_enabled, true);
    assert.equal(m.settings.interactivity.request_url, 'https://${BOT_DOMAIN}/slack/events');
    assert.equal(m.settings.socket_mode_enabled, false);
    const { values } = resolvePlaceholders(quietEnv);
    const filled = fillPlaceholders(slackText, values, 'slack');
    assert.deepEqual(filled.problems, []);
    assert.equal(JSON.parse(filled.text).settings.interactivity.request_url, 'https://desk.contoso.com/slack/events');
  });
});

describe('manifest build (npm run manifest)', function () {
  this.timeout(60_000);

  it('produces a zip with manifest.json, color.png and outline.png, ids filled in', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'csp-manifest-out-'));
    const { stdout } = await run('npm', ['run', '--silent', 'manifest', '--', '--out', out, '--slack-out', out], {
      env: { ...process.env, ...quietEnv },
    });
    assert.match(stdout, /Teams app package/);
    const entries = readZip(fs.readFileSync(path.join(out, 'csp-software-desk.zip')));
    assert.deepEqual([...entries.keys()].sort(), ['color.png', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8'));
    assert.equal(manifest.id, quietEnv.TEAMS_APP_ID);
    assert.equal(manifest.bots[0].botId, quietEnv.BOT_ID);
    assert.equal(manifest.developer.name, 'Contoso');
    assert.deepEqual(entries.get('color.png'), fs.readFileSync('manifest/teams/color.png'));
    const slack = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    assert.equal(slack.features.slash_commands[0].url, 'https://desk.contoso.com/slack/events');
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('exits 1 with readable errors on bad input', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'csp-manifest-out-'));
    const failed = await run('npm', ['run', '--silent', 'manifest', '--', '--out', out, '--slack-out', out], {
      env: { ...process.env, ...quietEnv, BOT_ID: 'my-bot', BOT_DOMAIN: 'https://desk.contoso.com/' },
    }).then(() => null, (e: { code: number; stderr: string }) => e);
    assert.ok(failed, 'the script should fail');
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /BOT_ID "my-bot" is not a GUID/);
    assert.match(failed.stderr, /BOT_DOMAIN .* must be a host name only/);
    assert.ok(!fs.existsSync(path.join(out, 'csp-software-desk.zip')));
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('fails on drift, and --write repairs it', async () => {
    const dir = scratchRoot();
    const file = path.join(dir, 'manifest/teams/manifest.json');
    const broken = JSON.parse(fs.readFileSync(file, 'utf8'));
    broken.bots[0].commandLists[0].commands.reverse();
    fs.writeFileSync(file, JSON.stringify(broken));
    const slackFile = path.join(dir, 'manifest/slack/manifest.json');
    fs.writeFileSync(slackFile, fs.readFileSync(slackFile, 'utf8').replace(/"usage_hint": "[^"]*"/, '"usage_hint": "help"'));
    await assert.rejects(buildManifests({ root: dir, env: quietEnv }), (e: unknown) =>
      e instanceof ManifestError && e.problems.length === 2 && /commandLists differ/.test(e.problems[0]!) && /usage_hint/.test(e.problems[1]!));
    const result = await buildManifests({ root: dir, env: quietEnv, write: true });
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).bots[0].commandLists, teamsCommandLists());
    assert.ok(fs.existsSync(result.teamsPackage));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('warns about every default it used', () => {
    const { warnings, problems } = resolvePlaceholders({});
    assert.deepEqual(problems, []);
    assert.ok(warnings.some((w) => w.startsWith('TEAMS_APP_ID is not set')));
    assert.ok(warnings.some((w) => w.startsWith('BOT_DOMAIN is not set')));
    assert.equal(resolvePlaceholders({ MicrosoftAppId: quietEnv.BOT_ID }).values.BOT_ID, quietEnv.BOT_ID);
  });
});
