/**
 * The embedded support desk (the default, SUPPORT_DESK=embedded): the bot's own ticket records
 * in Postgres (migration 0010, `support_tickets`), kept as a helpdesk keeps them — a readable
 * number (CSP-001001), a status, the full request and the names of its files. For partners
 * without a helpdesk, and for trying the bot: `support list` shows the number, and the ticket
 * carries the hand-off text for filing the same request in Partner Center's UI.
 *
 * Exactly once: the idempotency key is unique; a second create with the same key answers the
 * ticket the first one made (`existing: true`), whatever the number of tries.
 */
import type { Db } from '../db/pool.js';
import type { DeskLimits, FiledTicket, SupportDesk, TicketRequest } from './desk.js';

export class EmbeddedSupportDesk implements SupportDesk {
  readonly name = 'embedded';
  readonly limits: DeskLimits = { titleMax: 500, bodyMax: 20_000, attachmentMaxBytes: 25 * 1024 * 1024 };

  constructor(private readonly db: Db) {}

  async createTicket(req: TicketRequest): Promise<FiledTicket> {
    const attachments = req.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, sizeBytes: a.content.length }));
    const { rows } = await this.db.query<{ number: string; status: string }>(
      `INSERT INTO support_tickets (number, idempotency_key, external_id, problem_type, impact, title, body, requester_name, requester_email,
                                    requester_phone, tags, attachments)
       VALUES ('CSP-' || lpad(nextval('support_ticket_numbers')::text, 6, '0'), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING number, status`,
      [req.idempotencyKey, req.externalId, req.problemType, req.impact, req.title, req.body, req.requester.name, req.requester.email,
        req.requester.phone, req.tags, JSON.stringify(attachments)],
    );
    const created = rows[0];
    if (created) return { ticketNumber: created.number, url: null, status: created.status, existing: false };
    const { rows: found } = await this.db.query<{ number: string; status: string }>('SELECT number, status FROM support_tickets WHERE idempotency_key = $1', [req.idempotencyKey]);
    const ticket = found[0];
    if (!ticket) throw new Error('the embedded desk neither created nor found the ticket');
    return { ticketNumber: ticket.number, url: null, status: ticket.status, existing: true };
  }
}
