package sqldb

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// A tenant transaction on PostgreSQL begins and sets its scope in one round
// trip: BEGIN (or BEGIN READ ONLY) and the set_config statement travel in one
// simple-protocol message. database/sql's BeginTx sends a bare BEGIN, so the
// PostgreSQL connector wraps pgx's connections and, when the context carries
// a begin statement (put there by DB.scopedTx, for that BeginTx only), begins
// with it instead. Every transaction saves a round trip, a wake-up of both
// processes.

type beginKey struct{}

// withBegin returns ctx asking the next BeginTx to begin with query
// ("BEGIN; …"); "" asks for a plain BEGIN.
func withBegin(ctx context.Context, query string) context.Context {
	return context.WithValue(ctx, beginKey{}, query)
}

func beginFrom(ctx context.Context) string {
	q, _ := ctx.Value(beginKey{}).(string)
	return q
}

// scopedConnector hands out connections that begin with the context's statement.
type scopedConnector struct{ driver.Connector }

func (c scopedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := conn.(*stdlib.Conn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("sqldb: unexpected pgx driver connection %T", conn)
	}
	return scopedConn{pc}, nil
}

// scopedConn is a pgx connection (every optional driver interface is
// promoted from it) whose BeginTx honours the context's begin statement.
type scopedConn struct{ *stdlib.Conn }

func (c scopedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	q := beginFrom(ctx) // written with opts' access mode by DB.scopedTx
	if q == "" {
		return c.Conn.BeginTx(ctx, opts)
	}
	if c.Conn.Conn().IsClosed() {
		return nil, driver.ErrBadConn
	}
	tx, err := c.Conn.Conn().BeginTx(ctx, pgx.TxOptions{BeginQuery: q})
	if err != nil {
		return nil, err
	}
	return pgxTx{ctx: ctx, tx: tx}, nil
}

// pgxTx is stdlib's transaction wrapper (unexported there).
type pgxTx struct {
	ctx context.Context
	tx  pgx.Tx
}

func (t pgxTx) Commit() error   { return t.tx.Commit(t.ctx) }
func (t pgxTx) Rollback() error { return t.tx.Rollback(t.ctx) }

// PgxConn returns the pgx connection under a driver connection of a
// PostgreSQL pool (what sql.Conn.Raw hands over), for pgx-only work such as COPY.
func PgxConn(dc any) (*pgx.Conn, bool) {
	switch c := dc.(type) {
	case scopedConn:
		return c.Conn.Conn(), true
	case *stdlib.Conn:
		return c.Conn(), true
	}
	return nil, false
}
