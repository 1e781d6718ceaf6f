/**
 * Where a downloadable file comes from once a download link has been redeemed (R9, R10).
 * Embedded (demo) mode serves a small generated stand-in per variant; a real deployment
 * redirects to an artifact store behind short-lived signed URLs, so the file itself never
 * passes through the bot and the store never sees a download-link token.
 */
import { createHash, createHmac } from 'node:crypto';

export interface ArtifactFile {
  productId: string;
  version: string;
  language: string;
  fileType: string;
  fileName: string | null;
}

export type ArtifactResponse =
  | { kind: 'inline'; fileName: string; contentType: string; body: Buffer }
  | { kind: 'redirect'; url: string };

export interface ArtifactStore {
  open(file: ArtifactFile): Promise<ArtifactResponse>;
}

const MAX_FILE_NAME = 180;

/** A file name of only [A-Za-z0-9._-], built from the variant's parts, e.g. `P1_2024_en-US_ISO.txt`. */
export function safeArtifactFileName(file: ArtifactFile, extension = 'txt'): string {
  const stem = [file.productId, file.version, file.language, file.fileType]
    .map((part) => part.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[.-]+|[.-]+$/g, ''))
    .filter((part) => part.length > 0)
    .join('_')
    .slice(0, MAX_FILE_NAME);
  return `${stem || 'download'}.${extension}`;
}

/** The file name a download is saved under: the variant's own, else one built from its parts. */
function fileNameOf(file: ArtifactFile): string {
  const own = file.fileName?.trim();
  return own ? own : safeArtifactFileName(file);
}

/**
 * Embedded mode: a few hundred bytes of text that say plainly this is a simulated
 * download of the chosen product, version, language and file type. The same file always
 * gives the same bytes.
 */
export class EmbeddedArtifactStore implements ArtifactStore {
  /** `productTitle`: the catalog's name of a product, so the stand-in names it as the user knows it (the id alone said nothing). */
  constructor(private readonly opts: { productTitle?: (productId: string) => Promise<string | null> } = {}) {}

  async open(file: ArtifactFile): Promise<ArtifactResponse> {
    const title = (await this.opts.productTitle?.(file.productId).catch(() => null))?.trim() || null;
    const fileName = fileNameOf(title ? { ...file, productId: title } : file);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([file.productId, file.version, file.language, file.fileType, fileName]))
      .digest('hex');
    const text = [
      `SIMULATED download of ${title ?? file.productId} ${file.version} ${file.language} ${file.fileType}`,
      '',
      'This is not real installation media: it stands in for the file below.',
      `  Product:   ${title ? `${title} (${file.productId})` : file.productId}`,
      `  Version:   ${file.version}`,
      `  Language:  ${file.language}`,
      `  File type: ${file.fileType}`,
      `  File name: ${fileName}`,
      '',
      'CSP Software Desk runs with the embedded demo catalog, so no real software is served.',
      'Connect an artifact store to serve the real files.',
      `Fingerprint: sha256:${fingerprint}`,
      '',
    ].join('\n');
    // Saved as text, named after the file it stands in for: no one mistakes it for an ISO.
    const savedAs = file.fileName?.trim() ? `${fileName}.SIMULATED.txt` : safeArtifactFileName(title ? { ...file, productId: title } : file, 'SIMULATED.txt');
    return { kind: 'inline', fileName: savedAs, contentType: 'text/plain; charset=utf-8', body: Buffer.from(text, 'utf8') };
  }
}

export interface SignedUrlOptions {
  /** Where the store serves files, e.g. `https://downloads.example.com/software` (no query). */
  baseUrl: string;
  /** The HMAC key the store verifies signatures with. */
  signingKey: string;
  /** How long a signed URL works; default 300 s. */
  ttlSeconds?: number;
  now?: () => Date;
}

/**
 * A real artifact store behind a signed-URL scheme (CloudFront / nginx `secure_link`
 * style): `${baseUrl}/${productId}/${fileName}?expires=<unix s>&signature=<sig>`, where
 * sig = base64url(HMAC-SHA256(signingKey, path + '\n' + expires)) and path is the URL's
 * full path as sent (percent-encoded, including any path of baseUrl), e.g.
 * `/software/P1/SW_DVD9_Win.iso`.
 */
export class SignedUrlArtifactStore implements ArtifactStore {
  private readonly origin: string;
  private readonly basePath: string;
  private readonly signingKey: string;
  private readonly ttlSeconds: number;
  private readonly now: () => Date;

  constructor(opts: SignedUrlOptions) {
    let base: URL;
    try {
      base = new URL(opts.baseUrl);
    } catch {
      throw new Error('artifact store baseUrl is not a URL');
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error('artifact store baseUrl must be http(s)');
    if (base.search || base.hash || base.username || base.password) throw new Error('artifact store baseUrl must not carry a query, fragment or credentials');
    if (!opts.signingKey) throw new Error('artifact store signingKey is empty');
    const ttl = opts.ttlSeconds ?? 300;
    if (!Number.isInteger(ttl) || ttl < 1) throw new Error('artifact store ttlSeconds must be a positive integer');
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.signingKey = opts.signingKey;
    this.ttlSeconds = ttl;
    this.now = opts.now ?? (() => new Date());
  }

  open(file: ArtifactFile): Promise<ArtifactResponse> {
    const path = `${this.basePath}/${encodeURIComponent(file.productId)}/${encodeURIComponent(fileNameOf(file))}`;
    const expires = Math.floor(this.now().getTime() / 1000) + this.ttlSeconds;
    const signature = signArtifactPath(this.signingKey, path, expires);
    const url = `${this.origin}${path}?expires=${expires}&signature=${signature}`;
    return Promise.resolve({ kind: 'redirect', url });
  }
}

/** The signature the store checks: base64url HMAC-SHA256 of `path + '\n' + expires`. */
export function signArtifactPath(signingKey: string, path: string, expires: number): string {
  return createHmac('sha256', signingKey).update(`${path}\n${expires}`).digest('base64url');
}
