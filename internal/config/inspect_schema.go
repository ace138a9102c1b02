package config

// Injection defence of an API or route. Docs: docs/injection.md.

type inspectConfig struct {
	Mode           *string                `yaml:"mode"`
	Detectors      []string               `yaml:"detectors"`
	Headers        []string               `yaml:"headers"`
	AllowOperators []string               `yaml:"allow_operators"`
	Exclude        []inspectExcludeConfig `yaml:"exclude"`
	MaxValues      *int                   `yaml:"max_values"`
}

type inspectExcludeConfig struct {
	Field     *string  `yaml:"field"`
	Detectors []string `yaml:"detectors"`
	Operators []string `yaml:"operators"`
}

type validationConfig struct {
	Mode         *string `yaml:"mode"`
	Strict       *bool   `yaml:"strict"`
	UnknownQuery *string `yaml:"unknown_query"`
}

type wafConfig struct {
	Mode             *string `yaml:"mode"`
	Paranoia         *int    `yaml:"paranoia"`
	AnomalyThreshold *int    `yaml:"anomaly_threshold"`
	RemoveRules      []int   `yaml:"remove_rules"`
}
