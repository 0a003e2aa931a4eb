package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	// Statements are the migration's statements, placeholders replaced.
	Statements []string
}

// Migrations returns the schema migrations in order, written for d.
func Migrations(d *Dialect) ([]Migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqlstore: migration %s: no number", base)
		}
		data, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		text := string(data)
		for placeholder, typ := range d.Types {
			text = strings.ReplaceAll(text, "{{"+placeholder+"}}", typ)
		}
		if i := strings.Index(text, "{{"); i >= 0 {
			return nil, fmt.Errorf("sqlstore: migration %s: unknown placeholder at %q", base, text[i:min(len(text), i+20)])
		}
		m := Migration{Version: v, Name: strings.TrimSuffix(base, ".sql")}
		for stmt := range strings.SplitSeq(text, ";\n") {
			if s := stripComments(stmt); s != "" {
				m.Statements = append(m.Statements, s)
			}
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := range out {
		if out[i].Version != i+1 {
			return nil, fmt.Errorf("sqlstore: migration %d is missing", i+1)
		}
	}
	return out, nil
}

// stripComments removes "--" comment lines and surrounding space.
func stripComments(stmt string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(stmt, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}

// migrate applies the migrations the database has not seen, in one
// transaction. A database migrated by a newer version is refused.
func migrate(ctx context.Context, db DB, d *Dialect) error {
	ms, err := Migrations(d)
	if err != nil {
		return err
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	for _, stmt := range d.PrepareMigrations {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("sqlstore: migrate: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	var current int64
	if err := queryRow(ctx, tx, d.Rebind(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`), nil, &current); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	if current > int64(len(ms)) {
		return fmt.Errorf("sqlstore: the database has schema version %d; this build knows %d", current, len(ms))
	}
	for _, m := range ms[current:] {
		for _, stmt := range m.Statements {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("sqlstore: migration %s: %w", m.Name, err)
			}
		}
		if _, err := tx.Exec(ctx, d.Rebind(`INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`), m.Version, m.Name); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", m.Name, err)
		}
	}
	return tx.Commit(ctx)
}
