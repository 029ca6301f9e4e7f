//! The SQL migrations, embedded in the binary by `vault/build.rs` and read
//! by sqlx's migrator exactly as `sqlx::migrate!` read them (version,
//! description, SHA-384 checksum of the SQL, `-- no-transaction`), so
//! databases migrated by earlier builds see the same checksums.
//!
//! Not `sqlx::migrate!` itself: that macro needs sqlx's `macros` feature,
//! which compiles sqlx's drivers and SQLite's C source a second time for
//! the compiler (issue 18: a new user's first build).

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

mod files {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// One engine's migration files as `(file name, SQL)`.
#[derive(Debug, Clone, Copy)]
struct Embedded(&'static [(&'static str, &'static str)]);

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        Box::pin(async move { self.migrations() })
    }
}

impl Embedded {
    /// The files as sqlx's directory source reads them
    /// (`sqlx_core::migrate::source::resolve_blocking`).
    fn migrations(self) -> Result<Vec<Migration>, BoxDynError> {
        let mut out = Vec::new();
        for &(name, sql) in self.0 {
            let Some((version, rest)) = name.split_once('_') else {
                continue;
            };
            let version: i64 = version
                .parse()
                .map_err(|_| format!("migration {name:?} has no integer version"))?;
            let kind = MigrationType::from_filename(rest);
            let description = rest.trim_end_matches(kind.suffix()).replace('_', " ");
            out.push(Migration::new(
                version,
                Cow::Owned(description),
                kind,
                Cow::Borrowed(sql),
                sql.starts_with("-- no-transaction"),
            ));
        }
        Ok(out)
    }
}

/// The migrator for SQLite or PostgreSQL.
pub async fn migrator(postgres: bool) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded(if postgres {
        files::POSTGRES
    } else {
        files::SQLITE
    }))
    .await
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The embedded migrations are the files in `migrations/`, with the
    /// version, description, checksum and transaction mode sqlx's own
    /// directory reader gives them (so already migrated databases agree).
    /// Fails if build.rs missed a file or changed a byte.
    #[tokio::test]
    async fn embedded_migrations_are_the_directory_as_sqlx_reads_it() {
        for (postgres, dir) in [(false, "sqlite"), (true, "postgres")] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../migrations")
                .join(dir);
            let from_dir = Migrator::new(path.as_path()).await.expect("the directory");
            let embedded = migrator(postgres).await.expect("embedded");
            let a: Vec<_> = from_dir.iter().collect();
            let b: Vec<_> = embedded.iter().collect();
            assert!(!a.is_empty());
            assert_eq!(a.len(), b.len(), "{dir}: number of migrations");
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x.version, y.version, "{dir}");
                assert_eq!(x.description, y.description, "{dir}");
                assert_eq!(x.checksum, y.checksum, "{dir} {}", x.version);
                assert_eq!(x.no_tx, y.no_tx, "{dir} {}", x.version);
                assert_eq!(x.sql, y.sql, "{dir} {}", x.version);
            }
        }
    }
}
