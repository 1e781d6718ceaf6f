/** Typed factories for notification tests: partners, users and conversation references. */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../services/db/pool.js';

const uid = () => randomBytes(5).toString('hex');

export async function createPartner(db: Queryable, name = `Partner ${uid()}`): Promise<string> {
  const { rows } = await db.query<{ id: string }>('INSERT INTO partners (name) VALUES ($1) RETURNING id', [name]);
  return rows[0]!.id;
}

export async function createUser(db: Queryable, partnerId: string, channel: 'msteams' | 'slack' = 'msteams'): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO users (partner_id, channel, external_id, display_name) VALUES ($1, $2, $3, $4) RETURNING id',
    [partnerId, channel, `user-${uid()}`, 'Test User'],
  );
  return rows[0]!.id;
}

/** A Teams conversation reference as botbuilder's TurnContext.getConversationReference() stores it. */
export async function createTeamsRef(
  db: Queryable,
  opts: { partnerId: string; serviceUrl: string; userId?: string; conversationId?: string; conversationType?: string; tenantId?: string },
): Promise<{ id: string; conversationId: string }> {
  const conversationId = opts.conversationId ?? `a:conv-${uid()}`;
  const reference = {
    activityId: `act-${uid()}`,
    user: { id: `29:user-${uid()}`, name: 'Test User', aadObjectId: `aad-${uid()}` },
    bot: { id: '28:bot', name: 'CSP Software Desk' },
    conversation: { id: conversationId, conversationType: opts.conversationType ?? 'personal', tenantId: opts.tenantId ?? `tenant-${uid()}`, isGroup: false },
    channelId: 'msteams',
    locale: 'en-US',
    serviceUrl: opts.serviceUrl,
  };
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO conversation_refs (partner_id, channel, conversation_id, user_id, conversation_type, reference)
     VALUES ($1, 'msteams', $2, $3, $4, $5) RETURNING id`,
    [opts.partnerId, conversationId, opts.userId ?? null, opts.conversationType ?? 'personal', JSON.stringify(reference)],
  );
  return { id: rows[0]!.id, conversationId };
}

export async function createSlackRef(
  db: Queryable,
  opts: { partnerId: string; userId?: string; channelId?: string; teamId?: string; conversationType?: string },
): Promise<{ id: string; channelId: string }> {
  const channelId = opts.channelId ?? `D${uid().toUpperCase()}`;
  const reference = { teamId: opts.teamId ?? 'TFAKE', channelId, userId: `U${uid().toUpperCase()}` };
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO conversation_refs (partner_id, channel, conversation_id, user_id, conversation_type, reference)
     VALUES ($1, 'slack', $2, $3, $4, $5) RETURNING id`,
    [opts.partnerId, channelId, opts.userId ?? null, opts.conversationType ?? 'personal', JSON.stringify(reference)],
  );
  return { id: rows[0]!.id, channelId };
}

/** A small Adaptive Card attachment, as cards/ renders them. */
export function sampleCard(text = 'Your cancellation of order ORD-1 has finished.') {
  return {
    contentType: 'application/vnd.microsoft.card.adaptive',
    content: { type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: '1.5', body: [{ type: 'TextBlock', text, wrap: true }] },
  };
}
