package sqlstore

import (
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	d := &Dialect{QuestionMarks: true}
	tests := map[string]string{
		"SELECT 1":                                     "SELECT 1",
		"WHERE id = $1 AND version = $2":               "WHERE id = ?1 AND version = ?2",
		"VALUES ($1, $2), ($3, $4)":                    "VALUES (?1, ?2), (?3, ?4)",
		"SET doc = $12":                                "SET doc = ?12",
		"SELECT '$' || x":                              "SELECT '$' || x",
		"UPDATE t SET a = $2 WHERE id = $1 AND $1<>''": "UPDATE t SET a = ?2 WHERE id = ?1 AND ?1<>''",
	}
	for in, want := range tests {
		if got := d.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
		if got := (&Dialect{}).Rebind(in); got != in {
			t.Errorf("a $n dialect changed %q to %q", in, got)
		}
	}
}

func TestMigrations(t *testing.T) {
	d := &Dialect{Types: map[string]string{"key": "TEXT", "blob": "BLOB", "serial": "INTEGER PRIMARY KEY"}}
	ms, err := Migrations(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].Version != 1 || ms[0].Name != "0001_initial" {
		t.Fatalf("migrations %+v", ms)
	}
	for _, m := range ms {
		for _, stmt := range m.Statements {
			if strings.Contains(stmt, "{{") || strings.HasPrefix(stmt, "--") || strings.HasSuffix(stmt, ";") {
				t.Errorf("%s: statement %q", m.Name, stmt)
			}
		}
	}
	if _, err := Migrations(&Dialect{}); err == nil {
		t.Error("a dialect without types was accepted")
	}
}

func TestValues(t *testing.T) {
	if got := values(2, 2); got != "($1, $2), ($3, $4)" {
		t.Errorf("values(2, 2) = %q", got)
	}
	if got := values(1, 3); got != "($1, $2, $3)" {
		t.Errorf("values(1, 3) = %q", got)
	}
}
