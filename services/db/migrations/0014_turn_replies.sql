-- Up Migration

-- What a turn answered, where the answer travels in the response to the request itself (a Teams
-- card click's invoke response, an expectReplies turn's body): a resend of the same request, whose
-- first response was lost, is answered with it instead of nothing — never by running the turn again.
-- Never a secret: an answer with an activation key, a download link or an export link is stored as
-- a notice saying it is not shown again. Pruned with the rest of the row (processedInboundDays).
ALTER TABLE processed_inbound ADD COLUMN reply jsonb;

-- Down Migration

ALTER TABLE processed_inbound DROP COLUMN reply;
