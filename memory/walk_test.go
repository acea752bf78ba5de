package memory

import (
	"io/fs"
	"os"
	"path/filepath"
)

// walkFiles calls fn for every regular file under dir.
func walkFiles(dir string, fn func(path string, fi os.FileInfo)) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			fn(path, fi)
		}
		return nil
	})
}
