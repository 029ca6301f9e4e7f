//! Running the server: configuration, start-up, telemetry and shutdown, kept
//! apart from the routes in `api`.

pub mod allocator;
pub mod bootstrap;
pub mod configuration;
pub mod household_log_keys;
pub mod housekeeping;
pub mod log_key;
pub mod serve;
pub mod shutdown;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tls;
pub mod web_app;

pub use configuration::ServeConfig;
pub use startup::Application;
pub use state::AppState;
