//! Recording off the caller's path. The SDK's histogram costs about 250 ns per measurement with
//! the six string attributes of an LLM call (it hashes every key and value), and a call makes
//! three or four measurements. Here a call costs one hash of its attribute values, one short
//! lock and a push: the attribute sets are built once per distinct set, and the measurements
//! are handed to the SDK histograms when the reader collects (from an observable instrument's
//! callback, which the SDK runs before it reads the histograms), or by the caller that fills
//! the buffer, so memory stays bounded.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use foldhash::fast::FixedState;
use opentelemetry::KeyValue;
use opentelemetry::metrics::Meter;

use super::instruments::Instruments;
use crate::attributes::{gen_ai, iftracer, insightfinder};
use crate::instrument::Kind;

/// Measurements held between collections; a caller that fills the buffer records them.
const MAX_PENDING: usize = 4096;
/// Distinct attribute sets kept, as the SDK's own cardinality limit; later sets share one
/// overflow set marked `otel.metric.overflow`, as the SDK marks its own.
const MAX_KEYS: usize = 2000;

/// The values that tell one LLM call's attribute set from another.
#[derive(Hash, PartialEq, Eq, Clone, Copy)]
pub(crate) struct LlmFields<'a> {
    pub(crate) operation: &'a str,
    pub(crate) provider: Option<&'a str>,
    pub(crate) request_model: Option<&'a str>,
    pub(crate) response_model: Option<&'a str>,
    pub(crate) server_address: Option<&'a str>,
    pub(crate) error_type: Option<&'a str>,
}

/// One LLM call's numbers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LlmNumbers {
    pub(crate) input_tokens: Option<u64>,
    pub(crate) output_tokens: Option<u64>,
    pub(crate) duration: Option<f64>,
    pub(crate) first_chunk: Option<f64>,
}

/// The attribute sets of one distinct LLM call key, built once.
struct LlmKey {
    fields: OwnedFields,
    input: Vec<KeyValue>,
    output: Vec<KeyValue>,
    /// Without `error.type`: the time to first chunk.
    plain: Vec<KeyValue>,
    /// With `error.type` when the call failed: the duration.
    duration: Vec<KeyValue>,
}

#[derive(PartialEq, Eq)]
struct OwnedFields([Option<String>; 6]);

impl OwnedFields {
    fn of(fields: &LlmFields<'_>) -> Self {
        OwnedFields(
            [
                Some(fields.operation),
                fields.provider,
                fields.request_model,
                fields.response_model,
                fields.server_address,
                fields.error_type,
            ]
            .map(|value| value.map(str::to_owned)),
        )
    }

    fn matches(&self, fields: &LlmFields<'_>) -> bool {
        let theirs = [
            Some(fields.operation),
            fields.provider,
            fields.request_model,
            fields.response_model,
            fields.server_address,
            fields.error_type,
        ];
        self.0
            .iter()
            .zip(theirs)
            .all(|(mine, theirs)| mine.as_deref() == theirs)
    }
}

impl LlmKey {
    fn new(fields: &LlmFields<'_>) -> Self {
        let mut plain = vec![KeyValue::new(
            gen_ai::OPERATION_NAME,
            fields.operation.to_owned(),
        )];
        let optional = [
            (gen_ai::PROVIDER_NAME, fields.provider),
            (gen_ai::REQUEST_MODEL, fields.request_model),
            (gen_ai::RESPONSE_MODEL, fields.response_model),
            (gen_ai::SERVER_ADDRESS, fields.server_address),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                plain.push(KeyValue::new(key, value.to_owned()));
            }
        }
        Self::from_plain(OwnedFields::of(fields), plain, fields.error_type)
    }

    fn overflow() -> Self {
        let plain = vec![KeyValue::new("otel.metric.overflow", true)];
        Self::from_plain(OwnedFields([const { None }; 6]), plain, None)
    }

    fn from_plain(fields: OwnedFields, plain: Vec<KeyValue>, error_type: Option<&str>) -> Self {
        let with = |extra: KeyValue| {
            let mut set = plain.clone();
            set.push(extra);
            set
        };
        // The conventions put `error.type` on the duration only: tokens of a failed call are
        // still tokens.
        let duration = match error_type {
            Some(error_type) => with(KeyValue::new(
                insightfinder::ERROR_TYPE,
                error_type.to_owned(),
            )),
            None => plain.clone(),
        };
        LlmKey {
            fields,
            input: with(KeyValue::new(gen_ai::TOKEN_TYPE, "input")),
            output: with(KeyValue::new(gen_ai::TOKEN_TYPE, "output")),
            plain,
            duration,
        }
    }
}

enum Measurement {
    Llm { key: u32, numbers: LlmNumbers },
    Entity { key: u32, seconds: f64 },
}

#[derive(Default)]
struct State {
    /// Hash of the fields → indexes into `llm_keys` (more than one on a collision).
    llm_index: HashMap<u64, Vec<u32>, FixedState>,
    llm_keys: Vec<Arc<LlmKey>>,
    /// (kind, name's address and length): names are `&'static str` from the macros.
    entity_index: HashMap<(u8, usize, usize), u32, FixedState>,
    entity_keys: Vec<Arc<Vec<KeyValue>>>,
    pending: Vec<Measurement>,
}

impl State {
    fn llm_key(&mut self, hash: u64, fields: &LlmFields<'_>) -> u32 {
        if let Some(candidates) = self.llm_index.get(&hash) {
            for &index in candidates {
                if self.llm_keys[index as usize].fields.matches(fields) {
                    return index;
                }
            }
        }
        if self.llm_keys.len() >= MAX_KEYS {
            return self.llm_overflow();
        }
        let index = self.llm_keys.len() as u32;
        self.llm_keys.push(Arc::new(LlmKey::new(fields)));
        self.llm_index.entry(hash).or_default().push(index);
        index
    }

    /// The overflow set, made on first use (its fields match no call, so it is found by
    /// position: always the key right after the limit).
    fn llm_overflow(&mut self) -> u32 {
        if self.llm_keys.len() == MAX_KEYS {
            self.llm_keys.push(Arc::new(LlmKey::overflow()));
        }
        MAX_KEYS as u32
    }

    fn entity_key(&mut self, kind: Kind, name: &'static str) -> u32 {
        let id = (kind as u8, name.as_ptr() as usize, name.len());
        if let Some(&index) = self.entity_index.get(&id) {
            return index;
        }
        let operation = match kind {
            Kind::Workflow => "invoke_workflow",
            Kind::Agent => "invoke_agent",
            Kind::Tool => "execute_tool",
            Kind::Task => "task",
        };
        let index = self.entity_keys.len() as u32;
        self.entity_keys.push(Arc::new(vec![
            KeyValue::new(iftracer::SPAN_KIND, kind.as_str()),
            KeyValue::new(iftracer::ENTITY_NAME, name),
            KeyValue::new(gen_ai::OPERATION_NAME, operation),
        ]));
        // Names are few (one per annotated function), so this table needs no limit.
        self.entity_index.insert(id, index);
        index
    }
}

/// The instruments and the measurements waiting for them.
pub(crate) struct Recorder {
    instruments: Instruments,
    state: Mutex<State>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}

impl Recorder {
    /// Builds the instruments on `meter`, and the observable instrument whose callback hands
    /// the waiting measurements to them at every collection.
    /// `count_calls`: also count LLM calls, for the console's summary.
    pub(crate) fn new(meter: &Meter, count_calls: bool) -> Arc<Self> {
        let recorder = Arc::new(Recorder {
            instruments: Instruments::new(meter, count_calls),
            state: Mutex::new(State::default()),
        });
        // Weak: the callback lives in the meter provider, which the instruments point to.
        let weak: Weak<Recorder> = Arc::downgrade(&recorder);
        // It observes nothing, so the SDK exports no data for it.
        let _flush = meter
            .u64_observable_gauge("iftracer.metrics.flush")
            .with_callback(move |_| {
                if let Some(recorder) = weak.upgrade() {
                    recorder.drain();
                }
            })
            .build();
        recorder
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn llm_call(&self, fields: &LlmFields<'_>, numbers: LlmNumbers) {
        let hash = FixedState::default().hash_one(fields);
        let mut state = self.lock();
        let key = state.llm_key(hash, fields);
        state.pending.push(Measurement::Llm { key, numbers });
        self.drain_if_full(state);
    }

    pub(crate) fn entity(&self, kind: Kind, name: &'static str, seconds: f64) {
        let mut state = self.lock();
        let key = state.entity_key(kind, name);
        state.pending.push(Measurement::Entity { key, seconds });
        self.drain_if_full(state);
    }

    fn drain_if_full(&self, state: std::sync::MutexGuard<'_, State>) {
        if state.pending.len() >= MAX_PENDING {
            drop(state);
            self.drain();
        }
    }

    /// Hands every waiting measurement to the SDK histograms, outside the lock so callers never
    /// wait for it.
    pub(crate) fn drain(&self) {
        let (pending, llm_keys, entity_keys) = {
            let mut state = self.lock();
            if state.pending.is_empty() {
                return;
            }
            (
                std::mem::take(&mut state.pending),
                state.llm_keys.clone(),
                state.entity_keys.clone(),
            )
        };
        let instruments = &self.instruments;
        for measurement in pending {
            match measurement {
                Measurement::Llm { key, numbers } => {
                    let key = &llm_keys[key as usize];
                    if let Some(tokens) = numbers.input_tokens {
                        instruments.token_usage.record(tokens, &key.input);
                    }
                    if let Some(tokens) = numbers.output_tokens {
                        instruments.token_usage.record(tokens, &key.output);
                    }
                    if let Some(seconds) = numbers.first_chunk {
                        instruments.time_to_first_chunk.record(seconds, &key.plain);
                    }
                    if let Some(seconds) = numbers.duration {
                        instruments
                            .operation_duration
                            .record(seconds, &key.duration);
                    }
                    if let Some(calls) = &instruments.calls {
                        calls.add(1, &key.duration);
                    }
                }
                Measurement::Entity { key, seconds } => {
                    let attributes = &entity_keys[key as usize];
                    instruments.entity_duration.record(seconds, attributes);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(model: &str) -> LlmFields<'_> {
        LlmFields {
            operation: "chat",
            provider: Some("openai"),
            request_model: Some(model),
            response_model: None,
            server_address: None,
            error_type: None,
        }
    }

    #[test]
    fn equal_fields_share_a_key_and_distinct_ones_do_not() {
        let mut state = State::default();
        let a = state.llm_key(1, &fields("a"));
        // Same hash (a collision), other fields: a key of its own.
        let b = state.llm_key(1, &fields("b"));
        assert_ne!(a, b);
        assert_eq!(state.llm_key(1, &fields("a")), a);
        assert_eq!(state.llm_key(1, &fields("b")), b);
        assert_eq!(state.llm_keys.len(), 2);
    }

    #[test]
    fn keys_beyond_the_limit_share_the_overflow_set() {
        let mut state = State::default();
        let models: Vec<String> = (0..MAX_KEYS + 5).map(|i| format!("m{i}")).collect();
        for (i, model) in models.iter().enumerate() {
            state.llm_key(i as u64, &fields(model));
        }
        assert_eq!(state.llm_keys.len(), MAX_KEYS + 1);
        let overflow = &state.llm_keys[MAX_KEYS];
        assert_eq!(
            overflow.plain,
            [KeyValue::new("otel.metric.overflow", true)]
        );
        assert_eq!(state.llm_key(u64::MAX, &fields("new")), MAX_KEYS as u32);
    }
}
