package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"doanbd/core/sqldb"
)

// Metrics are the outbox's Prometheus series.
type Metrics struct {
	relayed  prometheus.Counter
	handled  *prometheus.CounterVec
	duration *prometheus.HistogramVec
	backlog  prometheus.Gauge
	lag      prometheus.Gauge
}

// NewMetrics registers the outbox series with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		relayed: prometheus.NewCounter(prometheus.CounterOpts{Name: "doanbd_outbox_relayed_total", Help: "Outbox rows enqueued into Asynq."}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "doanbd_outbox_handled_total", Help: "Outbox jobs run, by kind and result."}, []string{"kind", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "doanbd_outbox_handler_seconds", Help: "Outbox handler duration.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12)}, []string{"kind"}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "doanbd_outbox_backlog", Help: "Outbox rows not yet done."}),
		lag:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "doanbd_outbox_oldest_pending_seconds", Help: "Age of the oldest due outbox row not yet done."}),
	}
	if reg != nil {
		reg.MustRegister(m.relayed, m.handled, m.duration, m.backlog, m.lag)
	}
	return m
}

func (m *Metrics) observeHandled(kind string, err error, d time.Duration) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.handled.WithLabelValues(kind, result).Inc()
	m.duration.WithLabelValues(kind).Observe(d.Seconds())
}

// Stats is a snapshot of the outbox.
type Stats struct {
	Backlog      int
	OldestDueAge time.Duration
}

// ReadStats counts rows not done and the age of the oldest one that is due.
func ReadStats(ctx context.Context, db *sqldb.DB) (Stats, error) {
	var s Stats
	n, err := db.Read.NewSelect().Model((*Row)(nil)).Where("done_at IS NULL").Count(ctx)
	if err != nil {
		return s, fmt.Errorf("outbox backlog: %w", err)
	}
	s.Backlog = int(n)
	var rows []Row
	now := time.Now().UTC()
	if err := db.Read.NewSelect().Model(&rows).Column("created_at", "process_at").
		Where("done_at IS NULL AND (process_at IS NULL OR process_at <= ?)", now).
		OrderExpr("created_at").Limit(1).Scan(ctx); err != nil {
		return s, fmt.Errorf("outbox lag: %w", err)
	}
	if len(rows) == 1 {
		s.OldestDueAge = now.Sub(rows[0].CreatedAt)
	}
	return s, nil
}

func (m *Metrics) refresh(ctx context.Context, db *sqldb.DB) error {
	s, err := ReadStats(ctx, db)
	if err != nil {
		return err
	}
	m.backlog.Set(float64(s.Backlog))
	m.lag.Set(s.OldestDueAge.Seconds())
	return nil
}
