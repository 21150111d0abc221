// Package storagetest gives each test its own migrated Postgres database and
// its own Redis key prefix on the servers named by DATABASE_URL and
// REDIS_URL (defaults: the local servers), so tests run in parallel without
// seeing each other. A test fails, never skips, when a server is missing:
// scripts/test starts them.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/zwgk-bot/zwgk/storage"
)

// DatabaseURL is the server tests create their databases on.
func DatabaseURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// RedisURL is the server tests prefix their keys on.
func RedisURL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

func suffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// NewDatabase creates an empty database for t, dropped when t ends, and
// returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := storage.Open(ctx, DatabaseURL())
	if err != nil {
		t.Fatalf("postgres for tests (DATABASE_URL): %v", err)
	}
	name := "zwgk_test_" + suffix()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(DatabaseURL())
	if err != nil {
		t.Fatalf("DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// NewDB returns a migrated database of its own for t.
func NewDB(t testing.TB) *storage.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := storage.Open(ctx, NewDatabase(t))
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	// Registered after NewDatabase's cleanup, so it runs before the drop.
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return db
}

// NewRedis returns a Redis handle whose keys carry a prefix of t's own; the
// keys are deleted when t ends.
func NewRedis(t testing.TB) *storage.Redis {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	prefix := "zwgk-test:" + suffix() + ":"
	r, err := storage.OpenRedis(ctx, RedisURL(), prefix)
	if err != nil {
		t.Fatalf("redis for tests (REDIS_URL): %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		iter := r.Client.Scan(ctx, 0, prefix+"*", 200).Iterator()
		for iter.Next(ctx) {
			r.Client.Del(ctx, iter.Val())
		}
		r.Close()
	})
	return r
}
