package evasion

import (
	"math/rand/v2"
	"sort"
)

// Class is a detector class the fuzzer attacks.
type Class string

// The classes.
const (
	CmdI      Class = "cmdi"
	SQLi      Class = "sqli"
	Traversal Class = "traversal"
	NoSQLi    Class = "nosqli"
)

// Classes in report order.
var Classes = []Class{SQLi, CmdI, Traversal, NoSQLi}

// op is one semantics-preserving mutation operator. apply returns false
// when the operator has nothing to change in v.
type op struct {
	name  string
	apply func(r *rand.Rand, v string) (string, bool)
}

// class holds the operators and the oracle of a detector class.
type class struct {
	ops []op
	// valid reports whether a seed is a working attack the oracle can
	// follow (it parses in some context and does something).
	valid func(seed string) bool
	// same reports whether mutant still does what seed does.
	same func(seed, mutant string) bool
}

func classOf(c Class) class {
	switch c {
	case CmdI:
		return cmdiClass
	case SQLi:
		return sqliClass
	case Traversal:
		return traversalClass
	case NoSQLi:
		return nosqlClass
	}
	panic("evasion: unknown class " + string(c))
}

// Valid reports whether seed is a working attack of class c as its oracle
// sees it; only valid seeds are fuzzed.
func Valid(c Class, seed string) bool { return classOf(c).valid(seed) }

// Same reports whether mutant is still the attack seed is (the oracle).
func Same(c Class, seed, mutant string) bool { return classOf(c).same(seed, mutant) }

// Config bounds a run.
type Config struct {
	Tries int    // working mutants tried per seed and channel (200 by default)
	Seed  uint64 // random seed: runs are reproducible
}

// Target reports whether a value sent on a channel is refused.
type Target func(channel, value string) bool

// Result is the outcome for one seed on one channel.
type Result struct {
	Class   Class
	Seed    string
	Channel string
	Blocked bool   // the seed itself was refused (only those are fuzzed)
	Evaded  bool   // a working mutant passed
	Tries   int    // working mutants sent
	Mutant  string // the mutant that passed
	Ops     []string
}

// Fuzz mutates seed until a working mutant passes target on channel, or
// cfg.Tries working mutants were refused. Each mutant applies one to three
// operators to the seed or to an earlier mutant (the pool grows as the
// attacker learns which forms are accepted as attacks); mutants the oracle
// rejects are not sent and do not count.
func Fuzz(c Class, seed, channel string, target Target, cfg Config) Result {
	cl := classOf(c)
	res := Result{Class: c, Seed: seed, Channel: channel}
	if res.Blocked = target(channel, seed); !res.Blocked {
		return res
	}
	tries := cfg.Tries
	if tries <= 0 {
		tries = 200
	}
	r := rand.New(rand.NewPCG(cfg.Seed, hash(seed+"\x00"+channel)))
	type cand struct {
		v   string
		ops []string
	}
	pool := []cand{{v: seed}}
	seen := map[string]bool{seed: true}
	for attempts := 0; res.Tries < tries && attempts < tries*20; attempts++ {
		base := pool[r.IntN(len(pool))]
		v, ops := base.v, append([]string(nil), base.ops...)
		for n := 1 + r.IntN(3); n > 0; n-- {
			o := cl.ops[r.IntN(len(cl.ops))]
			if m, ok := o.apply(r, v); ok {
				v, ops = m, append(ops, o.name)
			}
		}
		if seen[v] || len(v) > 4*len(seed)+64 {
			continue
		}
		seen[v] = true
		if !cl.same(seed, v) {
			continue
		}
		res.Tries++
		if !target(channel, v) {
			res.Evaded, res.Mutant, res.Ops = true, v, ops
			return res
		}
		pool = append(pool, cand{v, ops})
	}
	return res
}

func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// Summary is the evasion rate of a class on a channel.
type Summary struct {
	Class   Class
	Channel string
	Seeds   int // valid seeds
	Blocked int // seeds refused as they are
	Evaded  int // blocked seeds with a working mutant that passed
	Tries   int // working mutants sent, in all
}

// Rate is the share of blocked seeds that got through.
func (s Summary) Rate() float64 {
	if s.Blocked == 0 {
		return 0
	}
	return float64(s.Evaded) / float64(s.Blocked)
}

// Summarize groups results by class and channel, in Classes order.
func Summarize(rs []Result) []Summary {
	by := map[[2]string]*Summary{}
	for _, r := range rs {
		k := [2]string{string(r.Class), r.Channel}
		s := by[k]
		if s == nil {
			s = &Summary{Class: r.Class, Channel: r.Channel}
			by[k] = s
		}
		s.Seeds++
		s.Tries += r.Tries
		if r.Blocked {
			s.Blocked++
		}
		if r.Evaded {
			s.Evaded++
		}
	}
	out := make([]Summary, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	order := map[Class]int{}
	for i, c := range Classes {
		order[c] = i
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Class != out[j].Class {
			return order[out[i].Class] < order[out[j].Class]
		}
		return out[i].Channel < out[j].Channel
	})
	return out
}
