package graph

const (
	numHashes = 64
	numBands  = 16 // rows per band = numHashes / numBands
	shingle   = 3
)

// seeds are fixed so signatures are the same in every process.
var seeds = func() [numHashes]uint64 {
	var s [numHashes]uint64
	x := uint64(0x9E3779B97F4A7C15)
	for i := range s {
		x = splitmix(x)
		s[i] = x
	}
	return s
}()

func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// minhash returns the MinHash signature of the character 3-gram set of
// " name ".
func minhash(name string) []uint64 {
	s := " " + name + " "
	sig := make([]uint64, numHashes)
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	rs := []rune(s)
	for i := 0; i+shingle <= len(rs); i++ {
		h := fnv64(string(rs[i : i+shingle]))
		for k := range sig {
			if v := splitmix(h ^ seeds[k]); v < sig[k] {
				sig[k] = v
			}
		}
	}
	return sig
}

// similarity estimates the Jaccard similarity of two signatures.
func similarity(a, b []uint64) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	eq := 0
	for i := range a {
		if a[i] == b[i] {
			eq++
		}
	}
	return float64(eq) / float64(len(a))
}

// bandKey hashes band b of sig for locality-sensitive bucketing.
func bandKey(sig []uint64, b int) uint64 {
	rows := numHashes / numBands
	h := uint64(b) * 0x9E3779B97F4A7C15
	for _, v := range sig[b*rows : (b+1)*rows] {
		h = splitmix(h ^ v)
	}
	return h
}
