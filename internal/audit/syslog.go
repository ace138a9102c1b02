package audit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/leodido/go-syslog/v4/rfc5424"
)

// Syslog facility and severities of audit messages (RFC 5424 §6.2.1).
const (
	syslogFacility = 13 // log audit
	sevInfo        = 6
	sevWarning     = 4
	sevError       = 3
)

// SyslogSink sends every event as an RFC 5424 message (built with
// github.com/leodido/go-syslog/v4/rfc5424) to a syslog receiver: one datagram
// per message over UDP, octet-counted framing (RFC 6587) over TCP. The message
// is the event's JSON object; MSGID is the decision. A broken connection is
// redialled on the next write.
type SyslogSink struct {
	mu       sync.Mutex
	network  string
	addr     string
	conn     net.Conn
	hostname string
	procID   string
	name     string
	buf      []byte
}

var _ Sink = (*SyslogSink)(nil)

// NewSyslogSink returns a sink for target, "udp://host:port" or "tcp://host:port".
func NewSyslogSink(target string) (*SyslogSink, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "udp" && u.Scheme != "tcp") || u.Port() == "" {
		return nil, fmt.Errorf("audit: syslog: want udp://HOST:PORT or tcp://HOST:PORT")
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "-"
	}
	return &SyslogSink{network: u.Scheme, addr: u.Host, hostname: host, procID: strconv.Itoa(os.Getpid()),
		name: "syslog:" + u.Redacted()}, nil
}

// Name identifies the sink in logs.
func (s *SyslogSink) Name() string { return s.name }

// Write sends batch, one message per event; over TCP in one write.
func (s *SyslogSink) Write(ctx context.Context, batch []Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		var d net.Dialer
		c, err := d.DialContext(ctx, s.network, s.addr)
		if err != nil {
			return fmt.Errorf("audit: %s: %w", s.name, err)
		}
		s.conn = c
	}
	out := s.buf[:0]
	var line []byte
	for i := range batch {
		msg, err := s.message(&batch[i], &line)
		if err != nil {
			return fmt.Errorf("audit: %s: %w", s.name, err)
		}
		if s.network == "udp" {
			if _, err := s.conn.Write([]byte(msg)); err != nil {
				return s.broken(err)
			}
			continue
		}
		out = strconv.AppendInt(out, int64(len(msg)), 10)
		out = append(out, ' ')
		out = append(out, msg...)
	}
	s.buf = out
	if len(out) > 0 {
		if deadline, ok := ctx.Deadline(); ok {
			_ = s.conn.SetWriteDeadline(deadline)
		} else {
			_ = s.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		}
		if _, err := s.conn.Write(out); err != nil {
			return s.broken(err)
		}
	}
	return nil
}

func (s *SyslogSink) message(e *Event, line *[]byte) (string, error) {
	*line = AppendJSON((*line)[:0], e)
	sev := uint8(sevWarning)
	switch e.Decision {
	case DecisionAllow:
		sev = sevInfo
	case DecisionError:
		sev = sevError
	}
	m := &rfc5424.SyslogMessage{}
	m.SetPriority(syslogFacility*8 + sev)
	m.SetVersion(1)
	m.SetTimestamp(e.Time.UTC().Format(time.RFC3339Nano))
	m.SetHostname(s.hostname)
	m.SetAppname("bulwark")
	m.SetProcID(s.procID)
	msgID := e.Decision
	if msgID == "" {
		msgID = "-"
	}
	m.SetMsgID(msgID)
	m.SetMessage(string(*line))
	return m.String()
}

// broken closes a failed connection so that the next write dials again.
func (s *SyslogSink) broken(err error) error {
	_ = s.conn.Close()
	s.conn = nil
	return fmt.Errorf("audit: %s: %w", s.name, err)
}

// Close closes the connection. Call it after Recorder.Close.
func (s *SyslogSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

func errorsJoin(errs ...error) error { return errors.Join(errs...) }
