/**
 * Keys and downloads (R8–R12, R19): what the software service answers. Views carry no
 * secret except `KeysAndDownload` — the one answer that holds an activation key and a
 * download URL, shown only to the requesting Admin agent (R11) and never logged.
 */
import type { OrderStatus, ProductKind } from '../commerce/types.js';
import type { CustomerView } from '../customers/directory.js';

/** R10: a download link works for this long… */
export const LINK_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;
/** …or this many downloads, whichever comes first. */
export const LINK_MAX_DOWNLOADS = 50;

/** One purchased product (an order line) of a customer that has keys and downloads. */
export interface SoftwareItem {
  orderId: string;
  lineNumber: number;
  productId: string;
  /** The title bought (product – SKU), as on the order. */
  title: string;
  productKind: ProductKind;
  quantity: number;
  purchasedAt: Date;
  orderStatus: OrderStatus;
  /** False once the purchase is cancelled or being cancelled (R19: "key not available"). */
  keyAvailable: boolean;
}

export interface SoftwareList {
  customer: CustomerView;
  /** Newest purchase first; cancelled purchases included (R19). */
  items: SoftwareItem[];
}

/** A downloadable form of a product: Version × Language × File type/OS (R9). */
export interface VariantChoice {
  id: number;
  version: string;
  language: string;
  fileType: string;
}

export interface SoftwareChoices {
  customer: CustomerView;
  item: SoftwareItem;
  /** The distinct values the product really has, for the three pickers. */
  versions: string[];
  languages: string[];
  fileTypes: string[];
  /** Every combination that exists (not every version has every language and file type). */
  variants: VariantChoice[];
}

/** What "Get keys and downloads" returns. SECRET: activationKey and downloadUrl. */
export interface KeysAndDownload {
  customer: CustomerView;
  item: SoftwareItem;
  variant: VariantChoice;
  activationKey: string;
  /** True for keys made up by the embedded backend (demo data), which says so on screen. */
  simulated: boolean;
  downloadUrl: string;
  linkId: string;
  expiresAt: Date;
  maxDownloads: number;
}

/**
 * Why a link was revoked: its purchase was cancelled (R19), an admin did it, or the message
 * carrying it could not be delivered (it was withdrawn before anyone had it).
 */
export type LinkRevocation = 'cancelled' | 'admin' | 'undelivered';

/** A download link as a download request sees it. */
export type Redemption =
  | {
      status: 'ok';
      linkId: string;
      /** This download's number (1…maxDownloads). */
      downloadNumber: number;
      maxDownloads: number;
      expiresAt: Date;
      file: { productId: string; version: string; language: string; fileType: string; fileName: string | null };
    }
  | { status: 'expired'; linkId: string; expiresAt: Date; maxDownloads: number }
  | { status: 'used_up'; linkId: string; expiresAt: Date; maxDownloads: number }
  | { status: 'revoked'; linkId: string; expiresAt: Date; maxDownloads: number; reason: LinkRevocation }
  /** Malformed, truncated or not a link of ours. */
  | { status: 'unknown' };

/** Who is downloading (R12: "from where"). */
export interface DownloadClient {
  ip: string | null;
  userAgent: string | null;
}
