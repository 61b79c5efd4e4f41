//! The image files of a client-folder tree to predict on: `DIR/<client>/*.png|jpg|jpeg`, or
//! `DIR/<client>/<class>/*.png|jpg|jpeg` when the class of each image is known.
//!
//! Clients are the sub-folders of `DIR` sorted by name, class folders sorted by name within a
//! client, files sorted by name within a folder (hidden entries left out), so the order never
//! depends on the file system. Files that are not `.png`, `.jpg` or `.jpeg` (and folders below
//! class folders) are left out and counted, as the training readers leave such files out.

use std::path::{Path, PathBuf};

use super::is_image_file;
use crate::DataError;

/// One image file of a client-folder tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile {
    /// The client (task) folder's name.
    pub client: String,
    /// The class folder's name, for `<client>/<class>/` files.
    pub class: Option<String>,
    /// The file.
    pub path: PathBuf,
    /// The path relative to the tree's root, `/`-separated.
    pub relative: String,
}

/// The image files of a client-folder tree, in order, and the other files left out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageTree {
    /// Image files: clients sorted, then a client's own files, then its class folders sorted,
    /// files sorted within each.
    pub files: Vec<ImageFile>,
    /// Entries that are not image files (other files, folders below class folders), as
    /// relative paths, left out.
    pub skipped: Vec<String>,
}

/// Lists the tree at `dir`. Errors name the folder: not a folder, no client folders, no image
/// file at all.
pub fn list_image_tree(dir: &Path) -> Result<ImageTree, DataError> {
    let clients = entries(dir)?;
    let mut tree = ImageTree::default();
    let mut n_clients = 0;
    for (client, client_path) in clients.iter().filter(|(_, p)| p.is_dir()) {
        n_clients += 1;
        let mut classes = Vec::new();
        for (name, path) in entries(client_path)? {
            if path.is_dir() {
                classes.push((name, path));
            } else {
                tree.visit(client, None, &name, path);
            }
        }
        for (class, class_path) in classes {
            for (name, path) in entries(&class_path)? {
                let relative_name = format!("{class}/{name}");
                tree.visit(client, Some(&class), &relative_name, path);
            }
        }
    }
    if n_clients == 0 {
        return Err(DataError::NoUsableTasks {
            path: dir.display().to_string(),
            message: "no client folders: expected <client>/*.png or <client>/<class>/*.png inside"
                .into(),
        });
    }
    if tree.files.is_empty() {
        return Err(DataError::NoUsableTasks {
            path: dir.display().to_string(),
            message: format!(
                "no .png, .jpg or .jpeg image in <client>/ or <client>/<class>/ of its \
                 {n_clients} client folders ({} other entries{})",
                tree.skipped.len(),
                tree.skipped
                    .first()
                    .map_or_else(String::new, |e| format!(", e.g. '{e}'"))
            ),
        });
    }
    Ok(tree)
}

impl ImageTree {
    /// Records the entry `name` (relative to the client folder) at `path`.
    fn visit(&mut self, client: &str, class: Option<&str>, name: &str, path: PathBuf) {
        let relative = format!("{client}/{name}");
        if is_image_file(&path) {
            self.files.push(ImageFile {
                client: client.to_string(),
                class: class.map(str::to_string),
                path,
                relative,
            });
        } else {
            self.skipped.push(relative);
        }
    }
}

/// The entries of `dir` (hidden ones left out), sorted by name: `(name, path)`.
fn entries(dir: &Path) -> Result<Vec<(String, PathBuf)>, DataError> {
    let read = std::fs::read_dir(dir).map_err(|e| DataError::io(dir, &e))?;
    let mut out = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| DataError::io(dir, &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            out.push((name, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_clients_classes_and_files_in_name_order() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for dir in ["b/cat", "b/ant", "a", ".hidden"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        for file in [
            "b/cat/2.png",
            "b/cat/1.PNG",
            "b/ant/x.jpg",
            "b/0.png",
            "a/z.jpeg",
            "a/notes.txt",
            ".hidden/h.png",
        ] {
            std::fs::write(root.join(file), b"").unwrap();
        }
        let tree = list_image_tree(root).unwrap();
        let listed: Vec<(&str, Option<&str>, &str)> = tree
            .files
            .iter()
            .map(|f| (f.client.as_str(), f.class.as_deref(), f.relative.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                ("a", None, "a/z.jpeg"),
                ("b", None, "b/0.png"),
                ("b", Some("ant"), "b/ant/x.jpg"),
                ("b", Some("cat"), "b/cat/1.PNG"),
                ("b", Some("cat"), "b/cat/2.png"),
            ]
        );
        assert_eq!(tree.skipped, ["a/notes.txt"]);
        assert_eq!(tree.files[0].path, root.join("a/z.jpeg"));
    }

    #[test]
    fn empty_trees_and_files_are_named_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let err = list_image_tree(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("no client folders"), "{err}");
        std::fs::create_dir_all(tmp.path().join("a")).unwrap();
        std::fs::write(tmp.path().join("a/readme.md"), b"").unwrap();
        let err = list_image_tree(tmp.path()).unwrap_err().to_string();
        assert!(
            err.contains("of its 1 client folders (1 other entries, e.g. 'a/readme.md')"),
            "{err}"
        );
        let file = tmp.path().join("a/readme.md");
        let err = list_image_tree(&file).unwrap_err().to_string();
        assert!(err.contains("readme.md"), "{err}");
    }
}
