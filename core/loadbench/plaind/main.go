// Command plaind serves loadbench.PlainHandler: the baseline server of the
// roster list benchmark, a small binary of its own so its memory and CPU are
// measured apart from doanbd's. `doanbd bench` builds and starts it.
//
// Environment: PLAIND_ADDR (host:port), and PLAIND_DATABASE_URL
// (postgres://…, a role that bypasses row-level security) or PLAIND_SQLITE
// (the path of doanbd's SQLite file, opened like doanbd opens it).
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"doanbd/core/loadbench"
	"doanbd/core/sqldb"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	o := sqldb.Options{URL: os.Getenv("PLAIND_DATABASE_URL"), Path: os.Getenv("PLAIND_SQLITE")}
	db, err := sqldb.Open(ctx, o)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	srv := &http.Server{Addr: os.Getenv("PLAIND_ADDR"), ReadHeaderTimeout: 10 * time.Second,
		Handler: loadbench.PlainHandler(db.Read.DB, db.Dialect == sqldb.Postgres)}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
