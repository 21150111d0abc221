package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Entities of the audit log.
const (
	EntityForm  = "form"
	EntityOrder = "order" // a 12345 work order, by its 工单号
	// legacyEntityOrder is how orders were logged before the work order
	// had one name; the log is append-only, so those rows keep it.
	legacyEntityOrder = "complaint"
)

// AuditEntry is one recorded state change.
type AuditEntry struct {
	ID       int64           `db:"id"`
	At       time.Time       `db:"at"`
	Actor    string          `db:"actor"`
	Action   string          `db:"action"`
	Entity   string          `db:"entity"`
	EntityID string          `db:"entity_id"`
	Detail   json.RawMessage `db:"detail"`
}

// Audit appends an entry to the audit log. Call it in the transaction of
// the change it records. detail may be nil.
func Audit(ctx context.Context, q sqlx.ExtContext, actor, action, entity, entityID string, detail any) error {
	d := []byte("{}")
	if detail != nil {
		var err error
		if d, err = json.Marshal(detail); err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
	}
	_, err := q.ExecContext(ctx, `
		INSERT INTO audit_log (actor, action, entity, entity_id, detail) VALUES ($1, $2, $3, $4, $5)`,
		actor, action, entity, entityID, string(d)) // text: see Open
	if err != nil {
		return fmt.Errorf("audit %s %s/%s: %w", action, entity, entityID, err)
	}
	return nil
}

// AuditTrail returns the entries of one entity, oldest first; an order's
// include those logged under its old name.
func AuditTrail(ctx context.Context, q sqlx.QueryerContext, entity, entityID string) ([]AuditEntry, error) {
	names := pq.StringArray{entity}
	if entity == EntityOrder {
		names = append(names, legacyEntityOrder)
	}
	var out []AuditEntry
	err := sqlx.SelectContext(ctx, q, &out, `
		SELECT id, at, actor, action, entity, entity_id, detail FROM audit_log
		WHERE entity = ANY($1) AND entity_id = $2 ORDER BY id`, names, entityID)
	if err != nil {
		return nil, fmt.Errorf("audit trail %s/%s: %w", entity, entityID, err)
	}
	return out, nil
}

// AuditRecord is one entry for AuditMany.
type AuditRecord struct {
	Actor, Action, Entity, EntityID string
	Detail                          any // nil: {}
}

// AuditMany is Audit for many entries, a few statements in all (one per
// 5 000), appended in the order given.
func AuditMany(ctx context.Context, q sqlx.ExtContext, entries []AuditRecord) error {
	return chunks(len(entries), func(lo, hi int) error {
		part := entries[lo:hi]
		n := len(part)
		actor, action, entity, entityID, detail := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, e := range part {
			d := []byte("{}")
			if e.Detail != nil {
				var err error
				if d, err = json.Marshal(e.Detail); err != nil {
					return fmt.Errorf("audit detail: %w", err)
				}
			}
			actor[i], action[i], entity[i], entityID[i], detail[i] = e.Actor, e.Action, e.Entity, e.EntityID, string(d)
		}
		_, err := q.ExecContext(ctx, `
			INSERT INTO audit_log (actor, action, entity, entity_id, detail)
			SELECT a, ac, e, id, d::jsonb
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u(a, ac, e, id, d, n)
			ORDER BY n`,
			textArray(actor), textArray(action), textArray(entity), textArray(entityID), textArray(detail))
		if err != nil {
			return fmt.Errorf("audit %d entries from %s %s/%s: %w", n, part[0].Action, part[0].Entity, part[0].EntityID, err)
		}
		return nil
	})
}
