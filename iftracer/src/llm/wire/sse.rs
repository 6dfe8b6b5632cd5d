//! An incremental Server-Sent Events parser: bytes in as they arrive (lines may be cut anywhere),
//! `(event, data)` out at each blank line. Only `event:` and `data:` fields matter here.

/// Parser state between chunks. The buffers are reused from event to event.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    /// The start of a line whose end has not arrived yet.
    partial: Vec<u8>,
    /// The current line outgrew `max_line`: skip to its end.
    skipping: bool,
    event: String,
    data: Vec<u8>,
    has_data: bool,
    /// The current event's data outgrew `max_line`: it is dropped.
    data_overflow: bool,
    max_line: usize,
}

impl SseParser {
    /// A parser that gives up on (skips) lines longer than `max_line` bytes.
    pub(crate) fn new(max_line: usize) -> Self {
        SseParser {
            max_line,
            ..SseParser::default()
        }
    }

    /// Feeds `chunk`, calling `on_event(event, data)` for each event it completes (`event` is
    /// empty when the stream names none).
    pub(crate) fn feed(&mut self, mut chunk: &[u8], on_event: &mut impl FnMut(&str, &[u8])) {
        while let Some(end) = chunk.iter().position(|&b| b == b'\n') {
            let (line, rest) = (&chunk[..end], &chunk[end + 1..]);
            chunk = rest;
            if self.skipping {
                self.skipping = false;
                continue;
            }
            if self.partial.is_empty() {
                self.line(line, on_event);
            } else {
                let mut partial = std::mem::take(&mut self.partial);
                partial.extend_from_slice(line);
                self.line(&partial, on_event);
                partial.clear();
                self.partial = partial;
            }
        }
        if !chunk.is_empty() && !self.skipping {
            if self.partial.len() + chunk.len() > self.max_line {
                self.partial.clear();
                self.skipping = true;
            } else {
                self.partial.extend_from_slice(chunk);
            }
        }
    }

    /// The body ended: an event not closed by a blank line still counts.
    pub(crate) fn finish(&mut self, on_event: &mut impl FnMut(&str, &[u8])) {
        if !self.partial.is_empty() && !self.skipping {
            let partial = std::mem::take(&mut self.partial);
            self.line(&partial, on_event);
        }
        self.dispatch(on_event);
    }

    fn line(&mut self, line: &[u8], on_event: &mut impl FnMut(&str, &[u8])) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            self.dispatch(on_event);
            return;
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(0) => return, // a comment (`: keep-alive`)
            Some(at) => {
                let value = &line[at + 1..];
                (&line[..at], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if self.data_overflow || self.data.len() + value.len() >= self.max_line {
                    self.data_overflow = true;
                    self.data.clear();
                    return;
                }
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
            }
            b"event" => {
                self.event.clear();
                self.event.push_str(&String::from_utf8_lossy(value));
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, on_event: &mut impl FnMut(&str, &[u8])) {
        if self.has_data && !self.data_overflow {
            on_event(&self.event, &self.data);
        }
        self.event.clear();
        self.data.clear();
        self.has_data = false;
        self.data_overflow = false;
    }
}

#[cfg(test)]
mod tests {
    use super::SseParser;

    fn events(chunks: &[&[u8]], max_line: usize) -> Vec<(String, String)> {
        let mut parser = SseParser::new(max_line);
        let mut out = Vec::new();
        let mut push = |event: &str, data: &[u8]| {
            out.push((event.to_owned(), String::from_utf8_lossy(data).into_owned()))
        };
        for chunk in chunks {
            parser.feed(chunk, &mut push);
        }
        parser.finish(&mut push);
        out
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(e, d)| ((*e).to_owned(), (*d).to_owned()))
            .collect()
    }

    #[test]
    fn events_are_the_same_however_the_bytes_are_cut() {
        let stream: &[u8] = b"event: message_start\r\ndata: {\"a\":1}\r\n\r\n: ping\n\ndata: x\ndata: y\n\ndata: [DONE]\n\n";
        let expected = owned(&[("message_start", "{\"a\":1}"), ("", "x\ny"), ("", "[DONE]")]);
        assert_eq!(events(&[stream], 1024), expected);
        for cut in 1..stream.len() {
            let (a, b) = stream.split_at(cut);
            assert_eq!(events(&[a, b], 1024), expected, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(events(&bytes, 1024), expected);
    }

    #[test]
    fn an_unterminated_last_event_still_counts() {
        assert_eq!(events(&[b"data: last"], 64), owned(&[("", "last")]));
    }

    #[test]
    fn an_overlong_line_is_skipped_and_parsing_resumes_after_it() {
        let long = format!("data: {}\n\ndata: ok\n\n", "x".repeat(100));
        let (a, b) = long.as_bytes().split_at(40);
        assert_eq!(events(&[a, b], 32), owned(&[("", "ok")]));
        assert_eq!(events(&[long.as_bytes()], 32), owned(&[("", "ok")]));
    }
}
