package webhook

import (
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"unicode"
)

// Event types a subscription may ask for.
const (
	MemoryStored     = "memory.stored"
	MemoryUpdated    = "memory.updated"
	MemoryForgotten  = "memory.forgotten"
	ImportCompleted  = "import.completed"
	NamespaceDeleted = "namespace.deleted"
)

// EventTypes lists every event type.
var EventTypes = []string{MemoryStored, MemoryUpdated, MemoryForgotten, ImportCompleted, NamespaceDeleted}

const (
	maxURLLen         = 2048
	maxDescriptionLen = 512
	minSecretLen      = 16
	maxSecretLen      = 256
)

// validateURL checks a target: http(s), a host, no credentials, no
// fragment, within the allowed hosts, and (with DenyPrivate) not a private
// IP literal.
func (o *Options) validateURL(raw string) error {
	if raw == "" {
		return invalid("url", "is required")
	}
	if len(raw) > maxURLLen {
		return invalid("url", "must be at most %d bytes", maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return invalid("url", "is not a valid URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return invalid("url", "must use http or https")
	case u.User != nil:
		return invalid("url", "must not contain credentials")
	case u.Hostname() == "":
		return invalid("url", "must name a host")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return invalid("url", "must not contain a fragment")
	}
	if !o.hostAllowed(u.Hostname()) {
		return invalid("url", "host is not among the allowed webhook hosts")
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && o.DenyPrivate && private(ip) {
		return invalid("url", "must not target a private, loopback or link-local address")
	}
	return nil
}

func (o *Options) hostAllowed(host string) bool {
	if len(o.AllowedHosts) == 0 {
		return true
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range o.AllowedHosts {
		h = strings.ToLower(h)
		if suffix, ok := strings.CutPrefix(h, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return true
			}
		} else if host == h {
			return true
		}
	}
	return false
}

func private(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(ip)
}

// dialControl refuses connections to private addresses after DNS
// resolution, so a public name that resolves to 127.0.0.1 is refused too.
func (o *Options) dialControl(network, address string, _ syscall.RawConn) error {
	if !o.DenyPrivate {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return errDenied
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || private(ip) {
		return errDenied
	}
	return nil
}

// validateEvents checks and deduplicates the requested event types.
func validateEvents(events []string) ([]string, error) {
	if len(events) == 0 {
		return nil, invalid("events", "must name at least one of %s", strings.Join(EventTypes, ", "))
	}
	var out []string
	for _, e := range events {
		if !slices.Contains(EventTypes, e) {
			return nil, invalid("events", "unknown event type %q; known: %s", clipString(e, 40), strings.Join(EventTypes, ", "))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func validateSecret(s string) error {
	if len(s) < minSecretLen || len(s) > maxSecretLen {
		return invalid("secret", "must be %d to %d characters", minSecretLen, maxSecretLen)
	}
	for _, r := range s {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) || r == ' ' {
			return invalid("secret", "must be printable ASCII without spaces")
		}
	}
	return nil
}

func clipString(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "")
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
