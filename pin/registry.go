package pin

import (
	"fmt"
	"sort"
)

// Registry maps provider types to their settings and constructors. It is
// filled explicitly (see pin/all), never by init() side effects, so the list
// of providers is one readable place.
type Registry struct {
	types map[string]entry
}

type entry struct {
	settings func() Settings
	build    func(name string, s Settings) (Provider, error)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{types: map[string]entry{}} }

// Register adds a provider type: S is its settings struct (config.go of the
// provider's package; *S implements Settings), newProvider builds a provider
// named name from validated settings without contacting the holder.
// Registering a type twice is a programming error and panics.
func Register[S any, PS interface {
	*S
	Settings
}](r *Registry, typ string, newProvider func(name string, s *S) (Provider, error)) {
	if _, dup := r.types[typ]; dup {
		panic(fmt.Sprintf("pin: provider type %q registered twice", typ))
	}
	r.types[typ] = entry{
		settings: func() Settings { return PS(new(S)) },
		build: func(name string, s Settings) (Provider, error) {
			ps, ok := s.(PS)
			if !ok {
				return nil, fmt.Errorf("%w: got %T", ErrSettingsType, s)
			}
			return newProvider(name, (*S)(ps))
		},
	}
}

// Types lists the registered types, sorted.
func (r *Registry) Types() []string {
	types := make([]string, 0, len(r.types))
	for t := range r.types {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}

// Has reports whether typ is registered.
func (r *Registry) Has(typ string) bool { _, ok := r.types[typ]; return ok }

// Settings returns zero settings of typ (a pointer to its struct) to decode
// a config entry into.
func (r *Registry) Settings(typ string) (Settings, error) {
	e, ok := r.types[typ]
	if !ok {
		return nil, fmt.Errorf("unknown provider type %q (known: %v)", typ, r.Types())
	}
	return e.settings(), nil
}

// New validates s and builds the provider named name of type typ.
func (r *Registry) New(name, typ string, s Settings) (Provider, error) {
	e, ok := r.types[typ]
	if !ok {
		return nil, fmt.Errorf("unknown provider type %q (known: %v)", typ, r.Types())
	}
	p, err := build(e, name, s)
	if err != nil {
		return nil, fmt.Errorf("provider %q (%s): %w", name, typ, err)
	}
	return p, nil
}

func build(e entry, name string, s Settings) (Provider, error) {
	if s == nil {
		s = e.settings()
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return e.build(name, s)
}
