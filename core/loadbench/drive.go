// Package loadbench measures HTTP throughput and latency: a load driver
// with a fixed number of concurrent clients, and the plain net/http handler
// that is the baseline of the roster list benchmark (the same SQL and JSON
// as GET /api/v1/t/{tenant}/cadres, without gin, authentication,
// authorization or tenant scoping). `doanbd bench` runs both against the
// same database in the same run.
package loadbench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Options shape a load run.
type Options struct {
	// Clients is the number of concurrent clients. Without Rate each sends
	// its next request as soon as the last one is answered (closed loop: the
	// server's pace sets the load).
	Clients int
	// Rate, when set, sends requests at this many per second whatever the
	// answers (open loop), through at most Clients connections; a request's
	// latency counts from when it was due, so a queue behind a slow answer
	// is measured, not hidden.
	Rate float64
	// Warmup runs first and is not counted (connections, caches, query
	// plans).
	Warmup time.Duration
	// Duration is the measured time.
	Duration time.Duration
	// Header is sent with every request (Authorization).
	Header http.Header
}

// Result is what a run measured: the requests due in the measured window,
// each followed to its answer. Latencies are of successful requests.
type Result struct {
	Requests   int // answered 200
	Errors     int // other answers or failures
	FirstError string
	Elapsed    time.Duration // the measured window
	Throughput float64       // successful requests per second
	P50, P99   time.Duration
	// Latencies are the successful requests' latencies, sorted (for Merge).
	Latencies []time.Duration
}

// Merge combines runs (rounds of one measurement interleaved with another
// server's, so a change in the machine's load weighs on both alike).
func Merge(rs ...Result) Result {
	var m Result
	for _, r := range rs {
		m.Errors += r.Errors
		if m.FirstError == "" {
			m.FirstError = r.FirstError
		}
		m.Elapsed += r.Elapsed
		m.Latencies = append(m.Latencies, r.Latencies...)
	}
	sort.Slice(m.Latencies, func(i, j int) bool { return m.Latencies[i] < m.Latencies[j] })
	m.Requests = len(m.Latencies)
	if m.Elapsed > 0 {
		m.Throughput = float64(m.Requests) / m.Elapsed.Seconds()
	}
	m.P50, m.P99 = percentile(m.Latencies, 50), percentile(m.Latencies, 99)
	return m
}

// Run sends GET requests for urls, in turn.
func Run(ctx context.Context, urls []string, o Options) (Result, error) {
	if len(urls) == 0 || o.Clients <= 0 || o.Duration <= 0 {
		return Result{}, fmt.Errorf("load: need urls, clients and a duration")
	}
	tr := &http.Transport{MaxIdleConns: o.Clients, MaxIdleConnsPerHost: o.Clients, MaxConnsPerHost: o.Clients,
		IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	begin := time.Now()
	start := begin.Add(o.Warmup)
	end := start.Add(o.Duration)
	var next atomic.Uint64
	var mu sync.Mutex
	var res Result
	var lat []time.Duration
	// due yields when each client's next request is due; false ends the client.
	var due func() (time.Time, bool)
	if o.Rate > 0 {
		ch := make(chan time.Time, 1<<16)
		go pace(ctx, ch, begin, end, o.Rate)
		due = func() (time.Time, bool) { t, ok := <-ch; return t, ok }
	} else {
		due = func() (time.Time, bool) {
			now := time.Now()
			return now, now.Before(end) && ctx.Err() == nil
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < o.Clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			errs, first := 0, ""
			for {
				at, ok := due()
				if !ok {
					break
				}
				u := urls[next.Add(1)%uint64(len(urls))]
				err := get(ctx, client, u, o.Header)
				if at.Before(start) {
					continue
				}
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				mine = append(mine, time.Since(at))
			}
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, mine...)
			res.Errors += errs
			if res.FirstError == "" {
				res.FirstError = first
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.Requests, res.Elapsed = len(lat), o.Duration
	res.Throughput = float64(len(lat)) / o.Duration.Seconds()
	res.P50, res.P99, res.Latencies = percentile(lat, 50), percentile(lat, 99), lat
	return res, nil
}

// pace sends the due times of requests at rate per second from begin until
// end, then closes ch.
func pace(ctx context.Context, ch chan<- time.Time, begin, end time.Time, rate float64) {
	defer close(ch)
	interval := time.Duration(float64(time.Second) / rate)
	for t := begin; t.Before(end); t = t.Add(interval) {
		if d := time.Until(t); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return
			}
		}
		select {
		case ch <- t:
		case <-ctx.Done():
			return
		}
	}
}

// get sends one request and reads the whole answer.
func get(ctx context.Context, c *http.Client, url string, h http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// percentile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[max(0, min(k, len(sorted)-1))]
}
