package cli

import (
	"context"
	"fmt"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"

	nyckeltal "github.com/nyckeltal/nyckeltal"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

func newMigrateCmd(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create the store, or upgrade it to this version's schema",
		Long: `Create the store, or upgrade it to the schema of this nyckeltal. Every
writing command does this by itself; run it explicitly after installing a newer
nyckeltal so that read-only commands and analysts see the new views at once.
Each migration runs in its own transaction. An older nyckeltal refuses a store
written by a newer one rather than damage it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMigrate(cmd.Context(), f)
		},
	}
}

func runMigrate(ctx context.Context, f *factory) error {
	path, v, err := f.app.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.stdout, "Databas %s: schemaversion %d (denna nyckeltal: %d)\n", path, v, store.LatestSchemaVersion())
	return nil
}

func newConfigCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Print the example configuration, or the one in effect"}
	cmd.AddCommand(&cobra.Command{
		Use:     "example",
		Short:   "Print the commented example configuration (the built-in defaults)",
		Example: `  nyckeltal config example > nyckeltal.toml`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprint(f.stdout, nyckeltal.ExampleConfig)
			return err
		},
	}, &cobra.Command{
		Use:   "show",
		Short: "Print the configuration in effect, after the file and the environment",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return runConfigShow(f)
		},
	})
	return cmd
}

func runConfigShow(f *factory) error {
	c, err := f.app.Config()
	if err != nil {
		return err
	}
	if c.File != "" {
		fmt.Fprintf(f.stdout, "# from %s\n", c.File)
	} else {
		fmt.Fprintln(f.stdout, "# built-in defaults (no configuration file)")
	}
	return toml.NewEncoder(f.stdout).Encode(c)
}
