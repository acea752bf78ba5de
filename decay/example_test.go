package decay_test

import (
	"fmt"
	"time"

	"github.com/engramhq/engram/decay"
)

func Example() {
	p, err := decay.DefaultPolicy().Merge([]byte(`{"episodic_decay":"power_law","half_life_hours":{"episodic":24}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	created := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	it := decay.Item{Type: decay.Episodic, Importance: 0, CreatedAt: created}

	now := created.Add(24 * time.Hour)
	ret, smart := decay.Score(&p, 0.9, it, now)
	fmt.Printf("after one half-life: retention %.2f smart %.3f\n", ret, smart)

	it = decay.Reinforce(it, now)
	fmt.Printf("recalled: count %d, half-life %v\n", it.AccessCount, decay.HalfLife(&p, it).Round(time.Minute))

	_, err = p.Merge([]byte(`{"retention_floor":2}`))
	fmt.Println(err)
	// Output:
	// after one half-life: retention 0.50 smart 0.720
	// recalled: count 1, half-life 32h19m0s
	// decay: invalid policy: retention_floor: must be in [0, 1], got 2
}
