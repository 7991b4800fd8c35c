// Command trivy-db writes an offline trivy vulnerability database from this project's own
// advisories (advisories.json), for the real-tools test tier: trivy.db, metadata.json and the
// db.tar.gz that trivy downloads as an OCI artifact (the harness pushes it to the loopback registry).
//
//	go run . -advisories advisories.json -out DIR [-now 2026-01-01T00:00:00Z]
//
// The layout follows trivy-db's own code (pkg/vulnsrc/alpine, pkg/db): bucket "alpine <major.minor>"
// -> bucket per source package (apk `o:`) -> key CVE id -> {"FixedVersion": "..."}; an advisory
// without a fix is stored with no FixedVersion, which trivy's Alpine detector reads as "every
// version is affected". Bucket "vulnerability" (which must exist, or trivy panics on a match) ->
// key CVE id -> title, severity, CVSS; bucket "data-source" -> "alpine <ver>" -> the source's name.
package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

type advisory struct {
	ID       string  `json:"id"`
	Source   string  `json:"source"`
	Fixed    string  `json:"fixed"`
	Severity string  `json:"severity"`
	Score    float64 `json:"score"`
	Title    string  `json:"title"`
}

type advisoryFile struct {
	Release    string     `json:"release"`
	Advisories []advisory `json:"advisories"`
}

// trivy-db's severity numbers (pkg/types): what VendorSeverity holds.
var severityNumber = map[string]int{"LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}

func main() {
	advisoriesPath := flag.String("advisories", "advisories.json", "advisories to write")
	out := flag.String("out", "", "output folder (trivy.db, metadata.json, db.tar.gz)")
	now := flag.String("now", "", "UpdatedAt, RFC 3339 (default: the current time)")
	flag.Parse()
	if *out == "" {
		fail(fmt.Errorf("-out is required"))
	}
	updated := time.Now().UTC().Truncate(time.Second)
	if *now != "" {
		parsed, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			fail(fmt.Errorf("-now: %w", err))
		}
		updated = parsed.UTC()
	}
	file, err := readAdvisories(*advisoriesPath)
	if err != nil {
		fail(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	dbPath := filepath.Join(*out, "trivy.db")
	metaPath := filepath.Join(*out, "metadata.json")
	if err := writeDB(dbPath, file); err != nil {
		fail(err)
	}
	if err := writeMetadata(metaPath, updated); err != nil {
		fail(err)
	}
	if err := pack(filepath.Join(*out, "db.tar.gz"), dbPath, metaPath); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "trivy-db:", err)
	os.Exit(1)
}

func readAdvisories(path string) (advisoryFile, error) {
	var file advisoryFile
	data, err := os.ReadFile(path)
	if err != nil {
		return file, err
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return file, fmt.Errorf("%s: %w", path, err)
	}
	if file.Release == "" || len(file.Advisories) == 0 {
		return file, fmt.Errorf("%s: needs a release and advisories", path)
	}
	return file, nil
}

// put writes value as JSON under the nested buckets, creating them as needed.
func put(tx *bolt.Tx, buckets []string, key string, value any) error {
	bucket, err := tx.CreateBucketIfNotExists([]byte(buckets[0]))
	if err != nil {
		return err
	}
	for _, name := range buckets[1:] {
		if bucket, err = bucket.CreateBucketIfNotExists([]byte(name)); err != nil {
			return err
		}
	}
	data, err := json.Marshal(value)
	if err != nil {
		return err
	}
	return bucket.Put([]byte(key), data)
}

func vulnerability(adv advisory) map[string]any {
	detail := map[string]any{
		"Title":       adv.Title,
		"Description": adv.Title + " (an advisory of the imgsec-action test database).",
		"References":  []string{"https://example.invalid/advisories/" + adv.ID},
	}
	// UNKNOWN: no severity at all, as for an advisory nobody has rated yet.
	if n, ok := severityNumber[adv.Severity]; ok {
		detail["Severity"] = adv.Severity
		detail["VendorSeverity"] = map[string]int{"nvd": n}
	}
	if adv.Score > 0 {
		detail["CVSS"] = map[string]any{
			"nvd": map[string]any{"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "V3Score": adv.Score},
		}
	}
	return detail
}

func writeDB(path string, file advisoryFile) error {
	_ = os.Remove(path)
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	platform := "alpine " + file.Release
	err = db.Update(func(tx *bolt.Tx) error {
		source := map[string]string{
			"ID":   "alpine",
			"Name": "Alpine Secdb (imgsec-action test advisories)",
			"URL":  "https://secdb.alpinelinux.org/",
		}
		if err := put(tx, []string{"data-source"}, platform, source); err != nil {
			return err
		}
		for _, adv := range file.Advisories {
			fix := map[string]string{}
			if adv.Fixed != "" {
				fix["FixedVersion"] = adv.Fixed
			}
			if err := put(tx, []string{platform, adv.Source}, adv.ID, fix); err != nil {
				return err
			}
			if err := put(tx, []string{"vulnerability"}, adv.ID, vulnerability(adv)); err != nil {
				return err
			}
		}
		return nil
	})
	if closeErr := db.Close(); err == nil {
		err = closeErr
	}
	return err
}

func writeMetadata(path string, updated time.Time) error {
	meta := map[string]any{
		"Version":      2,
		"NextUpdate":   updated.Add(24 * time.Hour).Format(time.RFC3339),
		"UpdatedAt":    updated.Format(time.RFC3339),
		"DownloadedAt": updated.Format(time.RFC3339),
	}
	data, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// pack writes db.tar.gz with both files at its top, as trivy's artifact holds them.
func pack(out string, files ...string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		header := &tar.Header{Name: filepath.Base(path), Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(header); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Close()
}
