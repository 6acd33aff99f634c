package observe

import (
	"fmt"
	"strconv"
	"time"
)

// siCount formats n with three significant digits and an SI suffix:
// 999, 1.23k, 45.6M.
func siCount(n float64) string {
	const units = "kMGTPE"
	if n < 999.5 {
		return strconv.FormatFloat(n, 'f', 0, 64)
	}
	u := -1
	for n >= 999.5 && u < len(units)-1 {
		n /= 1000
		u++
	}
	return sig3(n) + units[u:u+1]
}

// sig3 formats 1 <= x < 1000 with three significant digits.
func sig3(x float64) string {
	switch {
	case x < 9.995:
		return strconv.FormatFloat(x, 'f', 2, 64)
	case x < 99.95:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'f', 0, 64)
}

// iecBytes formats n bytes in binary units: 512 B, 1.50 KiB, 3.27 GiB.
func iecBytes(n int64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	x := float64(n)
	u := -1
	for x >= 1023.995 && u < len(units)-1 {
		x /= 1024
		u++
	}
	return sig3(x) + " " + units[u:u+1] + "iB"
}

// grouped formats n with thousands separators: 1,234,567.
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// duration rounds d for people: 850ms, 12.3s, 2m10s, 1h2m3s.
func duration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// eta formats an ETA; unknown (negative) is "?".
func eta(d time.Duration) string {
	if d < 0 {
		return "?"
	}
	return d.Round(time.Second).String()
}

// percent formats a fraction as 37.5%.
func percent(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

// plural returns "1 retry" or "3 retries".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

// byteRate formats bytes per second with an SI suffix: 512B/s, 12.3MB/s.
func byteRate(bps float64) string { return siCount(bps) + "B/s" }

// latency formats a page latency: 850µs, 45ms, 1.2s; "-" for none.
func latency(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < 10*time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
