package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// SecrecyReview is a row of secrecy_reviews: one 保密审查, who made it and
// when, of one round (a form's version) at one stage of an entity (the
// names of audit_log: EntityForm and its id).
type SecrecyReview struct {
	Entity           string    `db:"entity"`
	EntityID         string    `db:"entity_id"`
	Round            int       `db:"round"`
	Stage            string    `db:"stage"`
	Reviewer         string    `db:"reviewer"`
	StateSecret      bool      `db:"state_secret"`
	CommercialSecret bool      `db:"commercial_secret"`
	Privacy          bool      `db:"privacy"`
	Conclusion       string    `db:"conclusion"`
	Basis            string    `db:"basis"`
	Note             string    `db:"note"`
	ReviewedAt       time.Time `db:"reviewed_at"`
}

const secrecyCols = `entity, entity_id, round, stage, reviewer, state_secret, commercial_secret, privacy,
	conclusion, basis, note, reviewed_at`

// InsertSecrecyReview records a review. A second review of the same round
// and stage is ErrConflict; one the table's checks refuse (released
// without the three checks, withheld without a basis) is an error too.
func InsertSecrecyReview(ctx context.Context, tx *Tx, r SecrecyReview) error {
	_, err := tx.NamedExecContext(ctx, `
		INSERT INTO secrecy_reviews (`+secrecyCols+`)
		VALUES (:entity, :entity_id, :round, :stage, :reviewer, :state_secret, :commercial_secret, :privacy,
			:conclusion, :basis, :note, :reviewed_at)`, r)
	if err != nil {
		return fmt.Errorf("secrecy review of %s/%s round %d at %s: %w", r.Entity, r.EntityID, r.Round, r.Stage, mapErr(err))
	}
	return nil
}

// SecrecyReviewAt returns the review of one round and stage; ErrNotFound
// when there is none.
func SecrecyReviewAt(ctx context.Context, q sqlx.QueryerContext, entity, entityID string, round int, stage string) (*SecrecyReview, error) {
	var r SecrecyReview
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+secrecyCols+` FROM secrecy_reviews
		WHERE entity = $1 AND entity_id = $2 AND round = $3 AND stage = $4`, entity, entityID, round, stage)
	if err != nil {
		return nil, fmt.Errorf("secrecy review of %s/%s round %d at %s: %w", entity, entityID, round, stage, mapErr(err))
	}
	return &r, nil
}

// SecrecyReviews lists an entity's reviews over all rounds, oldest first.
func SecrecyReviews(ctx context.Context, q sqlx.QueryerContext, entity, entityID string) ([]SecrecyReview, error) {
	var out []SecrecyReview
	err := sqlx.SelectContext(ctx, q, &out, `SELECT `+secrecyCols+` FROM secrecy_reviews
		WHERE entity = $1 AND entity_id = $2 ORDER BY id`, entity, entityID)
	if err != nil {
		return nil, fmt.Errorf("secrecy reviews of %s/%s: %w", entity, entityID, err)
	}
	return out, nil
}
