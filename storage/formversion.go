package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// FormVersion is a row of form_versions: what was submitted as one version
// of a form (the snapshot is the submitter's draft, as SaveVersion kept it).
type FormVersion struct {
	FormID    int64           `db:"form_id"`
	Version   int             `db:"version"`
	Snapshot  json.RawMessage `db:"snapshot"`
	CreatedAt time.Time       `db:"created_at"`
}

// GetFormVersion loads one version of a form; ErrNotFound when there is none.
func GetFormVersion(ctx context.Context, q sqlx.QueryerContext, formID int64, version int) (*FormVersion, error) {
	var v FormVersion
	err := sqlx.GetContext(ctx, q, &v, `
		SELECT form_id, version, snapshot, created_at FROM form_versions
		WHERE form_id = $1 AND version = $2`, formID, version)
	if err != nil {
		return nil, fmt.Errorf("version %d of form %d: %w", version, formID, mapErr(err))
	}
	return &v, nil
}
