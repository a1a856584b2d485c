//! Strategic merge patch over JSON values.
