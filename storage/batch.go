package storage

import (
	"strings"
	"time"
)

// batchRows is how many rows one statement of the batch writes
// (InsertOrders, InsertOrderCards, AuditMany, EnqueueMany): large enough
// that a round trip and a plan are spread over thousands of rows, small
// enough that the arrays stay a few megabytes.
const batchRows = 5000

// chunks calls f for each run of at most batchRows of n rows, in order.
func chunks(n int, f func(lo, hi int) error) error {
	for lo := 0; lo < n; lo += batchRows {
		if err := f(lo, min(lo+batchRows, n)); err != nil {
			return err
		}
	}
	return nil
}

// pgTime is t as Postgres reads a timestamptz, for the text arrays of
// the batch statements; the zero time is "", which they read as NULL
// where the column may be NULL.
func pgTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// textArray is ss as a Postgres text[] literal, for the batch statements'
// arguments ($1::text[]): what pq.StringArray sends, built in one
// allocation of the right size (a year's import passes 300 MB of card
// JSON through these).
func textArray(ss []string) string {
	n := 2 + len(ss)
	for _, s := range ss {
		n += len(s) + 2 + strings.Count(s, `"`) + strings.Count(s, `\`)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('{')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for {
			j := strings.IndexAny(s, `"\`)
			if j < 0 {
				break
			}
			b.WriteString(s[:j])
			b.WriteByte('\\')
			b.WriteByte(s[j])
			s = s[j+1:]
		}
		b.WriteString(s)
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
