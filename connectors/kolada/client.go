package kolada

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
)

// Errors a request can end with. RequestError wraps one of them.
var (
	// ErrUnreachable: no connection could be made (DNS, refused, reset, timeout).
	ErrUnreachable = errors.New("cannot reach Kolada")
	// ErrUnavailable: the server answered, but with 429/5xx or a broken body,
	// on every attempt.
	ErrUnavailable = errors.New("no proper answer from Kolada")
	// ErrRejected: the server refused the request (4xx other than 429).
	ErrRejected = errors.New("request rejected by Kolada")
)

// RequestError names the URL, the attempts made and the last status.
type RequestError struct {
	URL      string
	Attempts int
	Status   int // 0 when no answer came
	Kind     error
	Err      error
}

func (e *RequestError) Error() string {
	last := "no answer"
	if e.Status != 0 {
		last = fmt.Sprintf("last status %d %s", e.Status, http.StatusText(e.Status))
	}
	msg := fmt.Sprintf("GET %s: %v after %d attempt(s), %s", e.URL, e.Kind, e.Attempts, last)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *RequestError) Unwrap() []error { return []error{e.Kind, e.Err} }

// ClientConfig configures the HTTP client.
type ClientConfig struct {
	UserAgent     string
	RateLimit     float64 // requests per second
	Timeout       time.Duration
	MaxAttempts   int
	RetryWaitMin  time.Duration
	RetryWaitMax  time.Duration
	RetryAfterCap time.Duration
	Logger        zerolog.Logger
	// Transport replaces the default transport (tests).
	Transport http.RoundTripper
}

// Client fetches v3 pages politely: a proactive rate limit, retries with
// exponential backoff and jitter, Retry-After honoured up to a cap, and a body
// that must be complete JSON before it counts as an answer.
type Client struct {
	cfg      ClientConfig
	rc       *retryablehttp.Client
	requests atomic.Int64
}

// NewClient builds a client.
func NewClient(cfg ClientConfig) *Client {
	if cfg.MaxAttempts < 1 {
		cfg.MaxAttempts = 1
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = 5
	}
	base := cfg.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone() // honours HTTPS_PROXY and friends
		t.MaxIdleConnsPerHost = 4
		base = t
	}
	c := &Client{cfg: cfg}
	limiter := rate.NewLimiter(rate.Limit(cfg.RateLimit), 1)
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{
		Timeout:   cfg.Timeout,
		Transport: &countingTransport{base: base, limiter: limiter, count: &c.requests},
	}
	rc.Logger = nil
	rc.RetryMax = cfg.MaxAttempts - 1
	rc.RetryWaitMin = cfg.RetryWaitMin
	rc.RetryWaitMax = cfg.RetryWaitMax
	rc.CheckRetry = c.checkRetry
	rc.Backoff = c.backoff
	rc.ErrorHandler = func(resp *http.Response, err error, attempts int) (*http.Response, error) {
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close() // the attempts' error is the one to report
		}
		return resp, &attemptsError{attempts: attempts, err: err}
	}
	c.rc = rc
	return c
}

// Requests is the number of HTTP requests made so far, retries included.
func (c *Client) Requests() int64 { return c.requests.Load() }

type attemptsError struct {
	attempts int
	err      error
}

func (e *attemptsError) Error() string { return e.err.Error() }
func (e *attemptsError) Unwrap() error { return e.err }

// Answer is a complete answer: its JSON body and its headers.
type Answer struct {
	Body   []byte
	Header http.Header
}

// Get fetches url and returns its body, which is valid JSON.
func (c *Client) Get(ctx context.Context, url string) ([]byte, error) {
	a, err := c.GetAnswer(ctx, url)
	return a.Body, err
}

// GetAnswer is Get with the answer's headers (the probe looks for rate limits).
func (c *Client) GetAnswer(ctx context.Context, url string) (Answer, error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Answer{}, &RequestError{URL: url, Kind: ErrRejected, Err: err}
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	req.Header.Set("Accept", "application/json")
	var ans Answer
	req.SetResponseHandler(func(resp *http.Response) error {
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return &bodyError{fmt.Errorf("reading body: %w", err)}
		}
		if !json.Valid(b) {
			return &bodyError{fmt.Errorf("body of %d bytes is not complete JSON", len(b))}
		}
		ans = Answer{Body: b, Header: resp.Header}
		return nil
	})
	resp, err := c.rc.Do(req) //nolint:bodyclose // the response handler above reads and closes every body, ErrorHandler a failed one's
	if err == nil {
		return ans, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return Answer{}, ctxErr
	}
	re := &RequestError{URL: url, Err: err, Attempts: 1}
	var ae *attemptsError
	if errors.As(err, &ae) {
		re.Attempts = ae.attempts
		re.Err = ae.err
	}
	var be *bodyError
	var se *statusError
	switch {
	case resp != nil && errors.As(re.Err, &se):
		re.Status = resp.StatusCode
		re.Err = nil
		re.Kind = ErrUnavailable
		if !retryableStatus(resp.StatusCode) {
			re.Kind = ErrRejected
		}
	case errors.As(re.Err, &be):
		re.Kind = ErrUnavailable
		if resp != nil {
			re.Status = resp.StatusCode
		}
	default:
		re.Kind = ErrUnreachable
	}
	return Answer{}, re
}

type bodyError struct{ err error }

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

type statusError struct{ status int }

func (e *statusError) Error() string { return fmt.Sprintf("status %d", e.status) }

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || (code >= 500 && code != http.StatusNotImplemented)
}

// checkRetry decides after every attempt. Connection errors, 429, 5xx and
// broken bodies are retried; a host that does not resolve is not, because
// retrying will not make it appear and the operator should hear at once.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		var be *bodyError
		if errors.As(err, &be) {
			c.cfg.Logger.Warn().Err(err).Msg("kolada answer broken, retrying")
			return true, err
		}
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return false, err
		}
		c.cfg.Logger.Warn().Err(err).Msg("kolada request failed, retrying")
		return true, err
	}
	if resp.StatusCode == http.StatusOK {
		return false, nil
	}
	if retryableStatus(resp.StatusCode) {
		c.cfg.Logger.Warn().Int("status", resp.StatusCode).Str("url", resp.Request.URL.String()).Msg("kolada busy or failing, retrying")
		return true, &statusError{resp.StatusCode}
	}
	return false, &statusError{resp.StatusCode}
}

// backoff waits exponentially longer with full jitter, or as long as the
// server's Retry-After says, capped.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			if c.cfg.RetryAfterCap > 0 && d > c.cfg.RetryAfterCap {
				d = c.cfg.RetryAfterCap
			}
			return d
		}
	}
	ceiling := float64(minWait) * math.Pow(2, float64(attempt))
	if ceiling > float64(maxWait) || math.IsInf(ceiling, 0) {
		ceiling = float64(maxWait)
	}
	// Full jitter, but never below the minimum wait.
	return minWait + time.Duration(rand.Float64()*(ceiling-float64(minWait)))
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(h); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// countingTransport applies the rate limit before, and counts, every attempt.
type countingTransport struct {
	base    http.RoundTripper
	limiter *rate.Limiter
	count   *atomic.Int64
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.limiter.Wait(req.Context()); err != nil {
		return nil, err
	}
	t.count.Add(1)
	return t.base.RoundTrip(req)
}
