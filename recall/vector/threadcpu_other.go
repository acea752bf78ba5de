//go:build !linux

package vector

import "time"

// threadCPU is unavailable off Linux: CPU-time figures read 0.
func threadCPU() time.Duration { return 0 }
