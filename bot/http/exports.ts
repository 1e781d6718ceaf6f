/**
 * The Teams side of exporting the activity log (R13): GET /exports/:token streams the CSV of
 * the range the link was issued for (services/activity/export-links.ts checks the link — its
 * time, the user's roles now — and records the opening; activity-export.ts streams the rows
 * from a Postgres cursor). The token is a secret: never logged, never echoed, never sent on as
 * a Referer. A link-preview bot gets a page and uses nothing up.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express, { type Request, type Response, type Router } from 'express';
import { t, type Locale } from '../../cards/i18n/index.js';
import type { ActivityExport } from '../../services/activity/activity-export.js';
import { isExportTokenShaped, type ActivityExportLinks } from '../../services/activity/export-links.js';
import type { Logger } from '../../services/logger.js';
import { attachmentHeader, createDownloadLimiter, languageOf, linkGuards, PREVIEW_BOTS, sendPage, withoutToken, type LinkBudget, type Page } from './downloads.js';

export interface ExportRouteDeps {
  links: Pick<ActivityExportLinks, 'redeem'>;
  exporter: Pick<ActivityExport, 'exportCsv'>;
  logger: Logger;
  /** Requests per client address and minute before 429 (default: the download links' budget). */
  limiter?: LinkBudget;
}

/** What logs say instead of the path. */
const LINK_PATH = '/exports/[token]';

const MAX_USER_AGENT = 512;

const page = (lang: Locale, body: 'activity.link.unknown' | 'activity.link.expired' | 'activity.link.forbidden' | 'activity.link.error' | 'activity.link.preview'): Page => ({
  title: t(lang, 'activity.link.title'),
  paragraphs: [t(lang, body)],
});

export function createExportRouter(deps: ExportRouteDeps): Router {
  const router = express.Router();
  const limiter = deps.limiter ?? createDownloadLimiter();

  router
    .route('/exports/:token')
    .all(...linkGuards(limiter))
    // Express would answer HEAD with the GET handler: that would count (and record) an opening.
    .head((_req: Request, res: Response) => {
      res.set('Allow', 'GET').status(405).end();
    })
    .get(async (req: Request, res: Response) => {
      const lang = languageOf(req);
      const token: unknown = req.params.token;
      if (!isExportTokenShaped(token)) {
        sendPage(res, 404, lang, page(lang, 'activity.link.unknown'));
        return;
      }
      const userAgent = (req.get('user-agent') ?? '').slice(0, MAX_USER_AGENT);
      if (PREVIEW_BOTS.test(userAgent)) {
        sendPage(res, 200, lang, page(lang, 'activity.link.preview'));
        return;
      }
      try {
        const verdict = await deps.links.redeem(token, { ip: req.ip ?? null, userAgent: userAgent || null });
        switch (verdict.status) {
          case 'unknown':
            sendPage(res, 404, lang, page(lang, 'activity.link.unknown'));
            return;
          case 'expired':
            sendPage(res, 410, lang, page(lang, 'activity.link.expired'));
            return;
          case 'forbidden':
            sendPage(res, 403, lang, page(lang, 'activity.link.forbidden'));
            return;
          case 'ok':
            break;
        }
        // Checks again before the first byte (a refusal is an error page, never half a file).
        const chunks = await deps.exporter.exportCsv(verdict.actor, verdict.request);
        res.status(200).set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': attachmentHeader(verdict.fileName) });
        await pipeline(Readable.from(chunks), res);
      } catch (err) {
        const closedByClient = res.headersSent && (err as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE';
        if (closedByClient) {
          deps.logger.info({ linkPath: LINK_PATH }, 'export download stopped by the client');
          return;
        }
        deps.logger.error({ err: withoutToken(err, token), linkPath: LINK_PATH }, 'export download failed');
        if (!res.headersSent) sendPage(res, 500, lang, page(lang, 'activity.link.error'));
        else res.destroy();
      }
    })
    .all((req: Request, res: Response) => {
      const lang = languageOf(req);
      res.set('Allow', 'GET');
      sendPage(res, 405, lang, page(lang, 'activity.link.unknown'));
    });

  return router;
}
