package config

// The rate-limiting parts of the file. Docs: docs/rate-limiting.md.

type clusterConfig struct {
	Redis          *string `yaml:"redis"`
	Secret         *Secret `yaml:"secret"`
	OnRedisFailure *string `yaml:"on_redis_failure"`
	LocalBatch     *int    `yaml:"local_batch"`
}

type shieldConfig struct {
	Rate  *Rate `yaml:"rate"`
	Burst *int  `yaml:"burst"`
}

type rateLimitConfig struct {
	By             []string  `yaml:"by"`
	Rate           *Rate     `yaml:"rate"`
	Burst          *int      `yaml:"burst"`
	Algorithm      *string   `yaml:"algorithm"`
	Mode           *string   `yaml:"mode"`
	MaxDelay       *Duration `yaml:"max_delay"`
	OnRedisFailure *string   `yaml:"on_redis_failure"`
	Cost           *string   `yaml:"cost"`
}

type quotaConfig struct {
	By       *string `yaml:"by"`
	Limit    *int64  `yaml:"limit"`
	Period   *string `yaml:"period"`
	Timezone *string `yaml:"timezone"`
	Cost     *string `yaml:"cost"`
}

type bruteForceConfig struct {
	UsernameField     *string   `yaml:"username_field"`
	UsernameNormalize []string  `yaml:"username_normalize"`
	FailureStatuses   []int     `yaml:"failure_statuses"`
	MaxFailures       *int      `yaml:"max_failures"`
	IPMaxFailures     *int      `yaml:"ip_max_failures"`
	Window            *Duration `yaml:"window"`
	Lockout           *Duration `yaml:"lockout"`
	DelayAfter        *int      `yaml:"delay_after"`
	IPDelayAfter      *int      `yaml:"ip_delay_after"`
	BaseDelay         *Duration `yaml:"base_delay"`
	MaxDelay          *Duration `yaml:"max_delay"`
	AttemptTimeout    *Duration `yaml:"attempt_timeout"`
}
