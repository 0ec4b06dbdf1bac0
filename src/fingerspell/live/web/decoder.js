// The beam search and the character language model of fingerspell/decoders (beam.py, lm.py, words.py), line
// for line: the same file read with the same checks, the same loop, the same order of additions and the
// same tie rule (higher score, then the smaller text), so that the page reads what Python reads from the
// same per-step probabilities (tests/test_decoder_js.py checks it). Exposed as globalThis.fingerspellDecoder.
"use strict";

(() => {
  const NUM_CHARACTERS = 59, BLANK = 59, END = 59, START = 60, SYMBOLS = 61, VERSION = 1, MAX_ORDER = 8;
  const CHARACTERS = " !#$%&'()*+,-./0123456789:;=?@[_abcdefghijklmnopqrstuvwxyz~";
  const PIECE_CHARACTERS = new Set("abcdefghijklmnopqrstuvwxyz0123456789'");
  const NEVER = -Infinity;
  const DEFAULTS = { beamWidth: 16, lmWeight: 0.3, lengthBonus: 1.5, wordBonus: 1.0, minProbability: 1e-3,
                     lexiconBonus: 0.5 };

  // ------------------------------------------------------------ the language model file (lm.py)

  const CRC_TABLE = (() => {
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    return table;
  })();

  function crc32(bytes) {
    let crc = 0xffffffff;
    for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  }

  // ArrayBuffer -> the model; throws an Error naming `name` for a damaged or other-version file
  function parseLM(buffer, name = "the language model") {
    const bytes = new Uint8Array(buffer), view = new DataView(buffer);
    const fail = (problem) => { throw new Error(`${name}: ${problem}`); };
    if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== "FSCHARLM") {
      fail("not a fingerspell character language model (no FSCHARLM header)");
    }
    const version = view.getUint32(8, true), headerLength = view.getUint32(12, true);
    if (version !== VERSION) fail(`language model format version ${version}; this page reads version ${VERSION}`);
    let header;
    try {
      header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(16, 16 + headerLength)));
    } catch (error) {
      fail("unreadable header: truncated or corrupted");
    }
    const counts = header.counts;
    if (header.symbols !== SYMBOLS || !(header.order >= 1 && header.order <= MAX_ORDER) || counts.length !== header.order) {
      fail(`a model of ${header.symbols} symbols and order ${header.order}`);
    }
    const expected = 16 + headerLength + counts.reduce((sum, c) => sum + 16 * c, 0) + 4;
    if (bytes.length !== expected) fail(`${bytes.length} bytes where its header promises ${expected}: truncated or padded`);
    if (view.getUint32(bytes.length - 4, true) !== crc32(bytes.subarray(0, bytes.length - 4))) {
      fail("checksum mismatch: the file is corrupted");
    }
    const tables = [];
    let offset = 16 + headerLength;
    for (const count of counts) {
      tables.push({ keys: new Float64Array(buffer, offset, count),
                    logProbs: new Float32Array(buffer, offset + 8 * count, count),
                    logBackoffs: new Float32Array(buffer, offset + 12 * count, count) });
      offset += 16 * count;
    }
    return { order: tables.length, tables, header, cache: new Map() };
  }

  function find(table, key) {
    let low = 0, high = table.keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (table.keys[middle] < key) low = middle + 1; else high = middle;
    }
    return low < table.keys.length && table.keys[low] === key ? low : -1;
  }

  function contextKey(context) {
    let key = 0;
    for (const symbol of context) key = key * SYMBOLS + symbol;
    return key;
  }

  // context: START and the symbols so far -> Float64Array(60) of log P(symbol | context)
  function lmLogProbs(lm, context) {
    const kept = lm.order > 1 ? context.slice(Math.max(0, context.length - (lm.order - 1))) : [];
    const cacheKey = kept.join(",");
    let result = lm.cache.get(cacheKey);
    if (result) return result;
    result = new Float64Array(END + 1).fill(NaN);
    let backoff = 0, open = END + 1;
    for (let n = kept.length + 1; n >= 1; n--) {
      const history = n > 1 ? kept.slice(kept.length - (n - 1)) : [];
      const base = contextKey(history) * SYMBOLS;
      const table = lm.tables[n - 1];
      for (let s = 0; s <= END; s++) {
        if (!Number.isNaN(result[s])) continue;
        const at = find(table, base + s);
        if (at >= 0) { result[s] = backoff + table.logProbs[at]; open -= 1; }
      }
      if (open === 0) break;
      if (n > 1) {
        const found = find(lm.tables[n - 2], contextKey(history));
        if (found >= 0) backoff = backoff + lm.tables[n - 2].logBackoffs[found];
      }
    }
    lm.cache.set(cacheKey, result);
    return result;
  }

  // ------------------------------------------------------------ the user's words and the lexicon (words.py)

  function pieces(text) {
    const out = [];
    let piece = "";
    for (const character of text) {
      if (PIECE_CHARACTERS.has(character)) piece += character;
      else if (piece) { out.push(piece); piece = ""; }
    }
    if (piece) out.push(piece);
    return out;
  }

  // the text of a words file -> {words, beginnings}; throws naming `name` and the line. wholeOnly (the
  // lexicon): no beginnings, a piece earns only once it ends as a whole word
  function parseWords(text, name = "the words list", wholeOnly = false) {
    const words = new Set(), beginnings = new Set();
    text.replace(/^\ufeff/, "").split(/\r\n|\n|\r/).forEach((line, index) => {
      const word = line.trim().toLowerCase();
      const bad = [...new Set([...word].filter((c) => !CHARACTERS.includes(c)))];
      if (bad.length) throw new Error(`${name}: line ${index + 1}: characters outside the 59-character vocabulary: ${JSON.stringify(bad)}`);
      for (const piece of pieces(word)) {
        words.add(piece);
        if (!wholeOnly) for (let k = 1; k <= piece.length; k++) beginnings.add(piece.slice(0, k));
      }
    });
    if (!words.size) throw new Error(`${name}: no words in it; expected one word or name per line`);
    return { words, beginnings };
  }

  function wordsAfter(state, character, words) {
    if (!PIECE_CHARACTERS.has(character)) {
      return { done: state.done + (words.words.has(state.piece) ? state.piece.length : 0), piece: "" };
    }
    return { done: state.done, piece: state.piece + character };
  }

  function wordsScore(state, words, final) {
    const open = final ? words.words : words.beginnings;
    return state.done + (open.has(state.piece) ? state.piece.length : 0);
  }

  // ------------------------------------------------------------ the search (beam.py)

  function logAdd(a, b) {
    if (a === NEVER) return b;
    if (b === NEVER) return a;
    const [high, low] = a >= b ? [a, b] : [b, a];
    return high + Math.log1p(Math.exp(low - high));
  }

  const byRank = (key) => (a, b) => (b[key] - a[key]) || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);

  // probabilities: Float32Array (steps * 60, row-major: 59 characters + blank) -> {text, score, confidence}
  // words: the user's (parseWords); lexicon: a whole-only list (parseWords(text, name, true))
  function beamSearch(probabilities, steps, settings = {}, lm = null, words = null, lexicon = null) {
    settings = { ...DEFAULTS, ...settings };
    const lists = { words, lexicon };
    let beams = [{ text: "", symbols: [], lm: 0, words: { done: 0, piece: "" }, lexicon: { done: 0, piece: "" },
                   confidence: [], blank: 0, character: NEVER }];
    for (let t = 0; t < steps; t++) {
      beams = step(beams, probabilities.subarray(t * (NUM_CHARACTERS + 1), (t + 1) * (NUM_CHARACTERS + 1)),
                   settings, lm, lists);
    }
    const finals = beams.map((h) => ({ h, text: h.text, score: finalScore(h, settings, lm, lists) }));
    finals.sort(byRank("score"));
    const best = finals[0];
    return { text: best.text, score: best.score, confidence: best.h.confidence };
  }

  function step(beams, row, settings, lm, lists) {
    const logs = Array.from(row, (p) => (p > 0 ? Math.log(p) : NEVER));
    const tried = [];
    for (let c = 0; c < NUM_CHARACTERS; c++) if (row[c] >= settings.minProbability) tried.push(c);
    const following = new Map();
    for (const beam of beams) {
      const total = logAdd(beam.blank, beam.character);
      const same = entry(following, beam);
      same.blank = logAdd(same.blank, total + logs[BLANK]);
      if (beam.symbols.length) {
        const last = beam.symbols[beam.symbols.length - 1];
        same.character = logAdd(same.character, beam.character + logs[last]);
        same.confidence[same.confidence.length - 1] = Math.max(same.confidence[same.confidence.length - 1], row[last]);
      }
      for (const symbol of tried) {
        const repeat = beam.symbols.length > 0 && symbol === beam.symbols[beam.symbols.length - 1];
        const longer = extended(following, beam, symbol, row[symbol], lm, lists);
        longer.character = logAdd(longer.character, (repeat ? beam.blank : total) + logs[symbol]);
      }
    }
    const ranked = [...following.values()];
    for (const h of ranked) h.rank = rank(h, settings, lists);
    ranked.sort(byRank("rank"));
    return ranked.slice(0, settings.beamWidth);
  }

  function entry(following, beam) {
    let found = following.get(beam.text);
    if (!found) {
      found = { text: beam.text, symbols: beam.symbols, lm: beam.lm, words: beam.words, lexicon: beam.lexicon,
                confidence: [...beam.confidence], blank: NEVER, character: NEVER };
      following.set(beam.text, found);
    }
    return found;
  }

  function extended(following, beam, symbol, probability, lm, lists) {
    const text = beam.text + CHARACTERS[symbol];
    let found = following.get(text);
    if (!found) {
      const { words, lexicon } = lists;
      const lmScore = beam.lm + (lm ? lmLogProbs(lm, [START, ...beam.symbols])[symbol] : 0);
      const state = words ? wordsAfter(beam.words, CHARACTERS[symbol], words) : beam.words;
      const known = lexicon ? wordsAfter(beam.lexicon, CHARACTERS[symbol], lexicon) : beam.lexicon;
      found = { text, symbols: [...beam.symbols, symbol], lm: lmScore, words: state, lexicon: known,
                confidence: [...beam.confidence, probability], blank: NEVER, character: NEVER };
      following.set(text, found);
    } else {
      found.confidence[found.confidence.length - 1] = Math.max(found.confidence[found.confidence.length - 1], probability);
    }
    return found;
  }

  function rank(h, settings, lists) {
    const score = logAdd(h.blank, h.character) + settings.lmWeight * h.lm + settings.lengthBonus * h.symbols.length;
    return score + listed(h, settings, lists, false);
  }

  function finalScore(h, settings, lm, lists) {
    const end = lm ? lmLogProbs(lm, [START, ...h.symbols])[END] : 0;
    const score = logAdd(h.blank, h.character) + settings.lmWeight * (h.lm + end) + settings.lengthBonus * h.symbols.length;
    return score + listed(h, settings, lists, true);
  }

  // the bonuses of the user's words, then of the lexicon (beam.py's _listed)
  function listed(h, settings, { words, lexicon }, final) {
    const bonus = words ? settings.wordBonus * wordsScore(h.words, words, final) : 0;
    return bonus + (lexicon ? settings.lexiconBonus * wordsScore(h.lexicon, lexicon, final) : 0);
  }

  // CTC best path, as decoders/options.py greedy_decode
  function greedy(probabilities, steps) {
    let text = "", previous = -1;
    for (let t = 0; t < steps; t++) {
      const row = probabilities.subarray(t * (NUM_CHARACTERS + 1), (t + 1) * (NUM_CHARACTERS + 1));
      let best = 0;
      for (let c = 1; c <= NUM_CHARACTERS; c++) if (row[c] > row[best]) best = c;
      if (best !== BLANK && best !== previous) text += CHARACTERS[best];
      previous = best;
    }
    return text;
  }

  globalThis.fingerspellDecoder = { DEFAULTS, parseLM, lmLogProbs, parseWords, pieces, beamSearch, greedy, crc32 };
})();
