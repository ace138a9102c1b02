package config

// Response guards of an API or route. Docs: docs/data-exposure.md.

type responseConfig struct {
	Contract       *bool             `yaml:"contract"`
	Allow          []string          `yaml:"allow"`
	Deny           []string          `yaml:"deny"`
	Views          []viewConfig      `yaml:"views"`
	Sensitive      map[string]string `yaml:"sensitive"`
	SanitizeErrors *bool             `yaml:"sanitize_errors"`
	Sanitize4xx    *bool             `yaml:"sanitize_4xx"`
	MaxBuffer      *Size             `yaml:"max_buffer"`
	OnOverflow     *string           `yaml:"on_overflow"`
	PassMediaTypes []string          `yaml:"pass_media_types"`
}

type viewConfig struct {
	Roles []string `yaml:"roles"`
	Allow []string `yaml:"allow"`
}

type securityHeadersConfig struct {
	Enabled *bool             `yaml:"enabled"`
	Set     map[string]string `yaml:"set"`
}
