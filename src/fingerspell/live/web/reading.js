// How the page turns the model's run into text, as `fingerspell predict` does: the beam search with the
// character language model and the English lexicon (decoder.js) on the per-step probabilities, the export's
// second output, or greedy (the exported `outputs`) with ?decoder=greedy or for a model without per-step
// probabilities.
// The user's own words come from ?words=maria,lopez,oak or a words file chosen on the page (one per line).
// Exposed as globalThis.pageReading; app.js calls load() once and text() per reading.
"use strict";

(() => {
  const decoder = globalThis.fingerspellDecoder;
  const params = new URLSearchParams(location.search);
  const reading = {
    decoder: params.get("decoder") === "greedy" ? "greedy" : "beam",
    lm: null, lexicon: null, words: null, wordsSource: null, problem: null, wordsProblem: null, timings: [],
  };

  // the language model, the lexicon and ?words=; a problem with any is reported (reading.problem), never hidden
  async function load() {
    if (reading.decoder !== "beam") return;
    const fetched = async (path) => {
      const response = await fetch(path);
      if (!response.ok) throw new Error(`${path}: ${response.status} ${response.statusText}`);
      return response;
    };
    try {
      const [lm, lexicon] = await Promise.all([fetched("/lm/chars.fslm"), fetched("/lm/words.txt")]);
      reading.lm = decoder.parseLM(await lm.arrayBuffer(), "/lm/chars.fslm");
      reading.lexicon = decoder.parseWords(await lexicon.text(), "/lm/words.txt", true);
    } catch (error) {
      reading.lm = null;
      reading.problem = `Language model: ${error.message}. Reading greedy until the page is reloaded.`;
    }
    if (params.get("words")) setWords(params.get("words").split(",").join("\n"), "?words=");
  }

  // a words list (file text) named `name`; a bad one (its error names `name` and the line) leaves the list as it was
  function setWords(text, name) {
    try {
      reading.words = decoder.parseWords(text, name);
      reading.wordsSource = name;
      reading.wordsProblem = null;
    } catch (error) {
      reading.wordsProblem = `Words: ${error.message}`;
    }
    return message();
  }

  // what the page should say about its reading, or null
  const message = () => [reading.problem, reading.wordsProblem].filter(Boolean).join(" ") || null;

  // the session's results -> {text, greedyText, decoder}: greedyText from `outputs` (rows [k][59]) as a scorer
  // reads them, text from the beam search where it can run
  function text(results, session, alphabet) {
    const outputs = results[session.outputNames[0]];
    const greedyText = greedyRows(outputs, alphabet);
    const steps = session.outputNames.length > 1 ? results[session.outputNames[1]] : null;
    if (reading.decoder !== "beam" || !reading.lm || !steps) {
      return { text: greedyText, greedyText, decoder: "greedy" };
    }
    const started = performance.now();
    const found = decoder.beamSearch(steps.data, steps.dims[0], {}, reading.lm, reading.words, reading.lexicon);
    reading.timings = [...reading.timings.slice(-99), [steps.dims[0], performance.now() - started]];
    return { text: found.text, greedyText, decoder: "beam" };
  }

  function greedyRows(outputs, alphabet) {
    const [rows, size] = outputs.dims;
    let text = "";
    for (let r = 0; r < rows; r++) {
      const row = outputs.data.subarray(r * size, (r + 1) * size);
      let best = 0;
      for (let c = 1; c < size; c++) if (row[c] > row[best]) best = c;
      text += alphabet[best] ?? "";
    }
    return text;
  }

  globalThis.pageReading = { reading, load, setWords, text, message };
})();
