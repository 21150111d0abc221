package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// OutboxItem is one outbound call for EnqueueMany.
type OutboxItem struct {
	Kind      string
	Recipient string
	Payload   any
	IdemKey   string // "" for none
}

// EnqueueMany is Enqueue for many calls, a few statements in all (one per
// 5 000), queued in the order given: a recipient's calls go out in that
// order. It returns how many rows it wrote. Each row is what Enqueue
// would have written, one call after the other: an idempotency key
// already used, or used earlier in items, is skipped; a WeCom message
// gets DupCheck unless the same request to the same recipient is pending,
// was sent within DuplicateCheckWindow, or comes earlier in items. (One
// difference: a message repeating an earlier item that was skipped for
// its key gets no DupCheck, where Enqueue would have given it one; that
// errs towards showing a message rather than swallowing it.)
func EnqueueMany(ctx context.Context, q sqlx.ExtContext, items []OutboxItem) (int, error) {
	keys := map[string]bool{}
	seen := map[string]bool{}
	var total int
	err := chunks(len(items), func(lo, hi int) error {
		part := items[lo:hi]
		n := len(part)
		kind, recipient, payload, key, hash := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		repeat := make([]bool, 0, n)
		for _, it := range part {
			if it.IdemKey != "" {
				if keys[it.IdemKey] {
					continue
				}
				keys[it.IdemKey] = true
			}
			b, err := json.Marshal(it.Payload)
			if err != nil {
				return fmt.Errorf("enqueue %s: encode: %w", it.Kind, err)
			}
			h := ""
			if it.Kind == KindMessage { // as Enqueue computes it
				sum := sha256.Sum256(append([]byte(it.Recipient+"\x00"), b...))
				h = hex.EncodeToString(sum[:16])
			}
			kind, recipient, payload, key, hash = append(kind, it.Kind), append(recipient, it.Recipient),
				append(payload, string(b)), append(key, it.IdemKey), append(hash, h)
			repeat = append(repeat, h != "" && seen[it.Recipient+"\x00"+h])
			if h != "" {
				seen[it.Recipient+"\x00"+h] = true
			}
		}
		if len(kind) == 0 {
			return nil
		}
		// The check for the same request pending or sent lately is a
		// lateral probe of outbox_content per call. As a NOT EXISTS the
		// planner hashes it instead, reading the whole outbox once per
		// statement, which an import of a year's orders repeats sixty times
		// over a table it grows by 300 000 rows.
		res, err := q.ExecContext(ctx, `
			INSERT INTO outbox (kind, recipient, payload, idem_key, content_hash, dup_check)
			SELECT u.kind, u.recipient, u.payload::jsonb, NULLIF(u.key, ''), u.hash,
				u.hash <> '' AND NOT u.repeat AND p.found IS NULL
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[]) WITH ORDINALITY
				AS u(kind, recipient, payload, key, hash, repeat, n)
			LEFT JOIN LATERAL (
				SELECT true AS found FROM outbox p
				WHERE p.recipient = u.recipient AND p.content_hash = u.hash
				  AND p.content_hash <> '' -- outbox_content's predicate
				  AND (p.status = 'pending' OR p.sent_at > now() - make_interval(secs => $7))
				LIMIT 1) p ON true
			ORDER BY u.n
			ON CONFLICT (idem_key) DO NOTHING`,
			textArray(kind), textArray(recipient), textArray(payload), textArray(key),
			textArray(hash), pq.BoolArray(repeat), DuplicateCheckWindow.Seconds())
		if err != nil {
			return fmt.Errorf("enqueue %d calls from %s to %s: %w", len(kind), kind[0], recipient[0], err)
		}
		wrote, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("enqueue %d calls: %w", len(kind), err)
		}
		total += int(wrote)
		return nil
	})
	return total, err
}
