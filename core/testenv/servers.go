package testenv

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// This file lets programs that are not tests (doanbd bench) start the same
// throwaway servers as the tests, with the same binaries, settings and roles.
// They are stopped by Stop, and by the kernel if the program dies (the
// parent-death signal set in startProc).

// PostgresServer is a throwaway PostgreSQL server with one fresh database,
// set up as Postgres(tb) sets up each test's database.
type PostgresServer struct {
	PG
	s *pgServer
}

// StartPostgresServer starts PostgreSQL from the binaries on the machine and
// creates one database. A missing binary gives an error naming the Debian
// package to install.
func StartPostgresServer(ctx context.Context) (*PostgresServer, error) {
	s, err := startPG()
	if err != nil {
		return nil, err
	}
	p := &PostgresServer{s: s}
	const name = "bench"
	steps := []string{"CREATE DATABASE " + name, "GRANT CONNECT ON DATABASE " + name + " TO " + appRole}
	for _, q := range steps {
		if err := s.adminExec(ctx, q); err != nil {
			s.stop()
			return nil, fmt.Errorf("testenv: %s: %w", q, err)
		}
	}
	c, err := pgx.Connect(ctx, s.socketURL(name))
	if err == nil {
		_, err = c.Exec(ctx, "GRANT USAGE ON SCHEMA public TO "+appRole)
		c.Close(ctx)
	}
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("testenv: grant usage on schema public in %s: %w", name, err)
	}
	p.PG = PG{OwnerURL: s.tcpURL("postgres", "postgres", name), AppURL: s.tcpURL(appRole, "app", name), Database: name}
	return p, nil
}

// Stop stops the server and removes its files.
func (p *PostgresServer) Stop() { p.s.stop() }

// RedisServer is a throwaway redis-server (no persistence).
type RedisServer struct {
	Addr string
	s    *redisServer
}

// StartRedisServer starts redis-server on a free loopback port.
func StartRedisServer() (*RedisServer, error) {
	s, err := startRedisServer()
	if err != nil {
		return nil, err
	}
	return &RedisServer{Addr: s.addr(), s: s}, nil
}

// Flush empties every database of the server (between benchmark runs).
func (r *RedisServer) Flush() error {
	_, err := respDo(r.Addr, 0, "FLUSHALL")
	return err
}

// Stop stops the server and removes its files.
func (r *RedisServer) Stop() { r.s.stop() }

// IsMissing reports whether err says a server binary is not installed.
func IsMissing(err error) bool {
	var me *missingError
	return errors.As(err, &me)
}
