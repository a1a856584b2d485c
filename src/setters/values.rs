//! New values for the fields the stage found: kpt v1 patterns and kpt v0 references, scalars
//! and sequences, typed as the field or its definition says, recorded as changes.

use super::*;

/// The setter names of a pattern's markers in order, repeats included.
fn markers(p: &Pattern) -> impl Iterator<Item = &str> + Clone {
    p.segments.iter().filter_map(|s| match s {
        pattern::Segment::Setter(name) => Some(name.as_str()),
        pattern::Segment::Literal(_) => None,
    })
}

impl Stage {
    /// For a kpt v1 comment none of whose setters is given: count them as unresolved, as
    /// [`Stage::scalar`] and [`Stage::sequence`] would, and say so (the field's view is not
    /// needed).
    pub(super) fn none_given(
        &mut self,
        field: &Field,
        comment: &SetterComment,
        is_sequence: bool,
    ) -> bool {
        let SetterComment::V1(p) = comment else {
            return false;
        };
        if is_sequence && p.single_setter().is_none() {
            return false;
        }
        let setters = markers(p);
        if setters.clone().any(|n| self.has_value(n)) {
            return false;
        }
        // Each name once, in order of first appearance (as `Pattern::names`).
        for (i, name) in setters.clone().enumerate() {
            if !setters.clone().take(i).any(|n| n == name) {
                self.unresolved(name, field);
            }
        }
        true
    }

    /// `comment`: the one to apply ([`found::Setter::effective`]).
    pub(super) fn scalar(
        &mut self,
        field: &Field,
        old: &mut Value,
        text: &str,
        comment: &SetterComment,
    ) {
        match comment {
            SetterComment::V1(p) => {
                // An empty field (`env: # kpt-set: ${env}`) given a YAML sequence becomes a list.
                if let (Value::Null, Some(name)) = (&*old, p.single_setter()) {
                    if let Some(raw) = self.values.get(name).filter(|r| looks_like_sequence(r)) {
                        let raw = raw.clone();
                        self.mark_used(name);
                        return self.set_list(field, old, name, &raw, None);
                    }
                }
                self.v1_scalar(field, old, text, p)
            }
            SetterComment::V0(r, _) => self.v0_scalar(field, old, r),
        }
    }

    fn v1_scalar(&mut self, field: &Field, old: &mut Value, text: &str, p: &Pattern) {
        let (mut any, mut all) = (false, true);
        for name in markers(p) {
            if self.has_value(name) {
                any = true;
                self.mark_used(name);
            } else {
                all = false;
            }
        }
        if !any {
            for name in p.names() {
                self.unresolved(name, field);
            }
            return;
        }
        let derived = if all {
            BTreeMap::new()
        } else {
            let missing: Vec<&str> = p
                .names()
                .into_iter()
                .filter(|n| !self.has_value(n))
                .collect();
            match p.derive(text, &missing) {
                Ok(d) => d,
                Err(e) => {
                    let why = match e {
                        DeriveError::NoMatch => "does not match the pattern",
                        DeriveError::Ambiguous => "matches the pattern in more than one way",
                    };
                    let message = format!(
                        "setter comment {}: values for setters {} must be provided (the current value {text:?} {why})",
                        field.comment,
                        list_names(&missing)
                    );
                    return self.error_at(field, message);
                }
            }
        };
        let values = &self.values;
        let new_text = p.render(|n| values.get(n).or_else(|| derived.get(n)).map(String::as_str));
        self.set_scalar(field, old, new_text, None);
    }

    /// A reference to a definition no Kptfile has: an error when its setter is given; otherwise
    /// the field is left alone in silence, as `kpt cfg set` only reads the setters it sets (the
    /// blueprint's `instance/settings.yaml` refers to a `private` setter no Kptfile defines).
    fn missing_definition(&mut self, field: &Field, reference: &V0Ref) {
        let name = match reference {
            V0Ref::Setter(n) | V0Ref::Substitution(n) | V0Ref::Short(n) => n,
        };
        if !self.values.contains_key(name.as_str()) {
            return;
        }
        let what = match reference {
            V0Ref::Setter(n) => format!("no definition {SETTER_PREFIX}{n}"),
            V0Ref::Substitution(n) => format!("no definition {SUBSTITUTION_PREFIX}{n}"),
            V0Ref::Short(n) => format!("no setter or substitution {n}"),
        };
        let message = format!("setter comment {}: {what} in the Kptfile", field.comment);
        self.error_at(field, message);
    }

    fn v0_scalar(&mut self, field: &Field, old: &mut Value, reference: &V0Ref) {
        let text = match self.defs.resolve(reference) {
            None => return self.missing_definition(field, reference),
            Some(Target::Setter(def)) => {
                // Like `kpt cfg set`: only a given setter changes its fields.
                let given = self.values.get(&def.name);
                let Some(raw) = given else {
                    return;
                };
                if self.invalid.contains(&def.name) {
                    return;
                }
                if def.is_list() {
                    let message = format!(
                        "setter comment {}: list setter {} is on a scalar field",
                        field.comment, def.name
                    );
                    return self.error_at(field, message);
                }
                let declared = def.declared;
                let kptfile = def.kptfiles[0];
                let name = def.name.clone();
                match def.field_text(raw) {
                    Ok(text) => return self.set_scalar(field, old, text, declared),
                    // A given value was checked before the walk; a stored one is reported here, once.
                    Err(message) => {
                        if given.is_none() && self.reported.insert(format!("stored {name}")) {
                            self.invalid.insert(name.clone());
                            let path = format!("openAPI.definitions.{SETTER_PREFIX}{name}");
                            self.kptfile_error(kptfile, path, message);
                        }
                        return;
                    }
                }
            }
            Some(Target::Substitution(sub)) => {
                match self.defs.substitute(&sub.name, &self.values) {
                    // Recomputed only when a setter it depends on is given; the others take
                    // their Kptfile values, as with `kpt cfg set`.
                    Ok((text, true)) => text,
                    Ok((_, false)) => return,
                    Err(SubstError::Cycle(cycle)) => {
                        let mut key: Vec<&String> = cycle.iter().collect();
                        key.sort();
                        key.dedup();
                        let key = format!("cycle {key:?}");
                        if self.reported.insert(key) {
                            let message = format!(
                                "setter comment {}: substitution cycle {}",
                                field.comment,
                                cycle.join(" -> ")
                            );
                            self.error_at(field, message);
                        }
                        return;
                    }
                    Err(SubstError::Other(m)) => {
                        let message = format!("setter comment {}: {m}", field.comment);
                        return self.error_at(field, message);
                    }
                }
            }
        };
        self.set_scalar(field, old, text, None);
    }

    /// Type `text` for the field and record the change.
    fn set_scalar(
        &mut self,
        field: &Field,
        old: &mut Value,
        text: String,
        declared: Option<DeclaredType>,
    ) {
        // A string field stays a string (as typing it would say): given its own text again, it
        // does not change; otherwise it takes the text as it is.
        if let (None, Value::String(s)) = (declared, &*old) {
            if *s != text {
                self.record(field, old, Value::String(text));
            }
            return;
        }
        let text = text.as_str();
        let new = match declared.filter(|d| *d != DeclaredType::Array) {
            Some(d) => match type_declared(d, text) {
                Ok(v) => v,
                Err(e) => {
                    let message = format!("setter comment {}: {e}", field.comment);
                    return self.error_at(field, message);
                }
            },
            None => match type_for_field(&*old, text) {
                Typed::Fits(v) => v,
                Typed::Mismatch {
                    value,
                    old_type,
                    new_type,
                } => {
                    let message = format!(
                        "setter comment {}: the field held {} {old_type}, the new value {text:?} reads as {} {new_type}; written as a string",
                        field.comment,
                        article(old_type),
                        article(new_type)
                    );
                    self.warn_at(field, message);
                    value
                }
            },
        };
        self.record(field, old, new);
    }

    /// Write `new` into the field (recorded, so that an error anywhere can undo it).
    fn record(&mut self, field: &Field, old: &mut Value, new: Value) {
        if *old != new {
            let previous = std::mem::replace(old, new.clone());
            self.changes.push(Change {
                item: field.item,
                path: field.path.into(),
                old: previous,
                new,
                comment: field.label.clone(),
            });
        }
    }

    /// `comment`: the one to apply ([`found::Setter::effective`]).
    pub(super) fn sequence(&mut self, field: &Field, old: &mut Value, comment: &SetterComment) {
        match comment {
            SetterComment::V1(p) => {
                let Some(name) = p.single_setter() else {
                    let message = format!(
                        "setter comment {}: invalid setter pattern for array node: {:?}",
                        field.comment, p.text
                    );
                    return self.error_at(field, message);
                };
                match self.values.get(name).cloned() {
                    Some(raw) => {
                        self.mark_used(name);
                        self.set_list(field, old, name, &raw, None);
                    }
                    None => self.unresolved(name, field),
                }
            }
            SetterComment::V0(reference, _) => match self.defs.resolve(reference) {
                None => self.missing_definition(field, reference),
                Some(Target::Substitution(sub)) => {
                    let message = format!(
                        "setter comment {}: substitution {} is on a list field",
                        field.comment, sub.name
                    );
                    self.error_at(field, message);
                }
                Some(Target::Setter(def)) => {
                    if self.invalid.contains(&def.name) {
                        return;
                    }
                    let (name, items_type) = (def.name.clone(), def.items_type);
                    // Like `kpt cfg set`: only a given setter changes its fields.
                    if let Some(raw) = self.values.get(&def.name).cloned() {
                        self.set_list(field, old, &name, &raw, items_type);
                    }
                }
            },
        }
    }

    fn set_list(
        &mut self,
        field: &Field,
        old: &mut Value,
        name: &str,
        raw: &str,
        items_type: Option<DeclaredType>,
    ) {
        let Some(items) = parse_sequence(raw) else {
            let message = format!(
                "setter comment {}: input to array setter must be an array of values, setter {name} has {raw:?}",
                field.comment
            );
            return self.error_at(field, message);
        };
        self.set_items(field, old, items, items_type);
    }

    /// Type new list items for the field and record the change.
    fn set_items(
        &mut self,
        field: &Field,
        old: &mut Value,
        items: Vec<Value>,
        items_type: Option<DeclaredType>,
    ) {
        let (typed, mismatches) = match type_list(&*old, items, items_type) {
            Ok(t) => t,
            Err(e) => {
                let message = format!("setter comment {}: {e}", field.comment);
                return self.error_at(field, message);
            }
        };
        for (i, old_type, new_type) in mismatches {
            let message = format!(
                "setter comment {}: the list held {} items, new item [{i}] reads as {} {new_type}; written as a string",
                field.comment,
                old_type,
                article(new_type)
            );
            self.warn_at(field, message);
        }
        self.record(field, old, Value::Array(typed));
    }

    /// Validate given values of v0 setters; the valid ones are stored back into their Kptfiles.
    pub(super) fn v0_given(&mut self) -> Vec<(usize, String, StoredValue)> {
        let mut stores = Vec::new();
        let given: Vec<(String, String)> = self
            .values
            .iter()
            .filter(|(k, _)| self.defs.setters.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (name, raw) in given {
            let def = &self.defs.setters[&name];
            let first = def.kptfiles[0];
            let def_path = format!("openAPI.definitions.{SETTER_PREFIX}{name}");
            let stored = if def.is_list() {
                match parse_sequence(&raw) {
                    None => Err(format!(
                        "input to array setter must be an array of values, setter {name} has {raw:?}"
                    )),
                    Some(items) => defs::validate_list(def, &items).map(|_| {
                        StoredValue::List(items.iter().map(defs::list_item_text).collect())
                    }),
                }
            } else {
                def.validate_scalar(&raw)
                    .map(|_| StoredValue::Scalar(raw.clone()))
            };
            match stored {
                Ok(stored) => {
                    for &k in &def.kptfiles {
                        stores.push((k, name.clone(), stored.clone()));
                    }
                    self.used.insert(name);
                }
                Err(message) => {
                    self.invalid.insert(name.clone());
                    self.used.insert(name);
                    self.kptfile_error(first, def_path, message);
                }
            }
        }
        stores
    }
}
