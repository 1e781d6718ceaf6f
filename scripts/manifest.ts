/**
 * `npm run manifest` — check, validate and package the Teams and Slack app manifests.
 *
 *   npm run manifest                     check against the command registry, validate, build
 *   npm run manifest -- --write          first regenerate commandLists / usage_hint from the registry
 *   npm run manifest -- --icons          first redraw manifest/teams/color.png and outline.png
 *   npm run manifest -- --out DIR        put the Teams zip in DIR (default manifest/teams/build)
 *   npm run manifest -- --slack-out DIR  put the filled-in Slack manifest in DIR (default manifest/slack/build)
 *
 * Placeholders come from TEAMS_APP_ID, BOT_ID (or MicrosoftAppId), BOT_DOMAIN,
 * DEVELOPER_NAME, DEVELOPER_WEBSITE_URL, PRIVACY_URL, TERMS_URL. Exit code 1 on any problem.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildManifests, ManifestError } from '../manifest/build.js';
import { drawColorIcon, drawOutlineIcon } from '../manifest/icons.js';
import { encodePng } from '../manifest/png.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const { values: args } = parseArgs({
    options: {
      write: { type: 'boolean', default: false },
      icons: { type: 'boolean', default: false },
      out: { type: 'string' },
      'slack-out': { type: 'string' },
    },
  });
  if (args.icons) {
    fs.writeFileSync(path.join(root, 'manifest/teams/color.png'), encodePng(drawColorIcon()));
    fs.writeFileSync(path.join(root, 'manifest/teams/outline.png'), encodePng(drawOutlineIcon()));
    console.log('Drew manifest/teams/color.png (192×192) and outline.png (32×32).');
  }
  try {
    const result = await buildManifests({
      root,
      env: process.env,
      write: args.write,
      ...(args.out ? { teamsOutDir: path.resolve(args.out) } : {}),
      ...(args['slack-out'] ? { slackOutDir: path.resolve(args['slack-out']) } : {}),
    });
    for (const w of result.warnings) console.warn(`warning: ${w}`);
    console.log(`Teams app package: ${path.relative(process.cwd(), result.teamsPackage)}`);
    console.log(`Slack app manifest: ${path.relative(process.cwd(), result.slackManifest)}`);
    return 0;
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    console.error('The app manifests have problems:');
    for (const p of e.problems) console.error(`  - ${p}`);
    return 1;
  }
}

process.exitCode = await main();
