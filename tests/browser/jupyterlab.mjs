// End-to-end test of memscope in JupyterLab, driven like a person would drive it.
//
// Covers, in headless Debian Chromium (playwright-core, never a downloaded browser):
//   1. opening a notebook whose metadata names the memscope kernel, and waiting
//      for "Rust (memscope)" to be idle (answering a kernel dialog if one shows);
//   2. Edit > Clear Outputs of All Cells (the file may carry old outputs), then
//      Run > Run All Cells, and waiting until every code cell has an execution
//      count, no cell is left at [*] and the kernel is idle again; a cell that
//      fails fails the test, unless it is tagged raises-exception;
//   3. the memory tables in the page: "Memory after this cell", a <table> with
//      `owner` and `view` badges (and `alias` for copying-arrays.ipynb) and a
//      "view of ..." cell; the number of tables is reported;
//   4. completion (Tab after `np::ar` lists `arange`) and inspection (Shift+Tab
//      on `np::zeros` shows a tooltip with text);
//   5. a copy of the notebook with outputs saved by nbconvert, opened without
//      trusting it: JupyterLab sanitizes its HTML, and the tables must still be
//      tables with role words and coloured badges; which inline style
//      properties the sanitizer kept or stripped is printed either way;
//   6. screenshots: one memory table in the light and in the dark theme
//      (table-light.png, table-dark.png), and the whole window after Run All
//      (run-all.png);
//   7. the debugger's Variables panel: the bug button switches it on, the
//      tree lists the session's variables with their memory roles ("view
//      of ..."), an array expands into the table's columns with their
//      values, and its magnifier (Render Variable) opens the memory table
//      of its buffer beside the notebook; screenshots of the panel and of
//      the rendered variable in both themes (variables-light.png,
//      variables-dark.png, render-variable-light.png, render-variable-dark.png);
//      a new cell's variables appear in the panel when it ends, and a
//      running cell that prints leaves the panel showing the last ones.
//
// It is started by tests/python/test_browser.py, which runs the server; by hand:
//   MEMSCOPE_LAB_URL=http://127.0.0.1:8888 MEMSCOPE_LAB_TOKEN=... node jupyterlab.mjs
//
// Environment:
//   MEMSCOPE_LAB_URL            the server's base URL (required)
//   MEMSCOPE_LAB_TOKEN          its token (required)
//   MEMSCOPE_NOTEBOOK           notebook to run, relative to the server's root
//                               (default copying-arrays.ipynb)
//   MEMSCOPE_EXECUTED_NOTEBOOK  the same notebook with saved outputs, never
//                               trusted (default executed/<MEMSCOPE_NOTEBOOK>)
//   MEMSCOPE_SCREENSHOT_DIR     where the PNGs go (default tests/output/screenshots)
//   MEMSCOPE_RUN_ALL_TIMEOUT    seconds Run All may take (default 420)
//   MEMSCOPE_CHROMIUM           the browser (default /usr/bin/chromium)
//
// Exit status 0 when every check passed, 1 otherwise (with a failure.png).

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

const KERNEL_DISPLAY_NAME = 'Rust (memscope)';
const MEMORY_HEADING = 'Memory after this cell';
const SECOND = 1000;

const config = readConfig();
const started = Date.now();

function readConfig() {
  const required = (name) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} must be set (see the header of ${path.basename(fileURLToPath(import.meta.url))})`);
    return value;
  };
  const notebook = process.env.MEMSCOPE_NOTEBOOK || 'copying-arrays.ipynb';
  return {
    url: required('MEMSCOPE_LAB_URL').replace(/\/+$/, ''),
    token: required('MEMSCOPE_LAB_TOKEN'),
    notebook,
    executedNotebook: process.env.MEMSCOPE_EXECUTED_NOTEBOOK || `executed/${notebook}`,
    screenshotDir: path.resolve(process.env.MEMSCOPE_SCREENSHOT_DIR || path.join(REPO, 'tests', 'output', 'screenshots')),
    runAllTimeout: Number(process.env.MEMSCOPE_RUN_ALL_TIMEOUT || 420) * SECOND,
    chromium: process.env.MEMSCOPE_CHROMIUM || '/usr/bin/chromium',
    // Only copying-arrays.ipynb is written to show all three roles.
    expectedRoles: path.basename(notebook) === 'copying-arrays.ipynb' ? ['owner', 'view', 'alias'] : ['owner', 'view'],
  };
}

function log(message) {
  const seconds = ((Date.now() - started) / SECOND).toFixed(1).padStart(6);
  console.log(`[${seconds}s] ${message}`);
}

// --------------------------------------------------------------------------
// The browser

// The flags that work on this machine: no GPU, no sandbox (we may be root),
// and nothing that phones home (the network is closed and refusals pile up).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function launchBrowser(userDataDir) {
  // A persistent context is how playwright takes our own fresh --user-data-dir.
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: config.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1600, height: 1000 },
  });
}

// Every debug reply the page receives, and when: to tell that the Variables
// panel was answered while a cell ran, not only after it.
const debugReplies = [];
function watchDebugReplies(page) {
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    const text = typeof payload === 'string' ? payload : payload.toString('utf8');
    if (!text.includes('"debug_reply"')) return;
    debugReplies.push({
      at: Date.now(),
      command: text.match(/"command"\s*:\s*"(\w+)"/)?.[1],
      success: /"success"\s*:\s*true/.test(text),
    });
  }));
}

function watchPageErrors(page, errors) {
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
  });
}

// --------------------------------------------------------------------------
// Opening a notebook

// With a workspace name, the notebook opens in that (new, empty) workspace, so
// that JupyterLab does not restore the tabs of an earlier page next to it.
function notebookUrl(notebook, workspace) {
  const tree = notebook.split('/').map(encodeURIComponent).join('/');
  const prefix = workspace ? `/lab/workspaces/${encodeURIComponent(workspace)}` : '/lab';
  return `${config.url}${prefix}/tree/${tree}?token=${encodeURIComponent(config.token)}`;
}

// Opens `notebook` in `page` and waits until its memscope kernel is idle.
async function openNotebook(page, notebook, workspace) {
  log(`opening ${notebook}`);
  await page.goto(notebookUrl(notebook, workspace));
  // window.jupyterapp exists because the server runs with expose_app_in_browser.
  await page.waitForFunction(() => window.jupyterapp?.shell, null, { timeout: 120 * SECOND });
  await page.waitForFunction(
    (name) => {
      const widget = window.jupyterapp.shell.currentWidget;
      return widget?.context?.path === name && widget.content?.widgets?.length > 0;
    },
    notebook,
    { timeout: 120 * SECOND },
  );
  await answerKernelDialogIfAny(page);
  await waitForKernelIdle(page, 180 * SECOND);
  const kernelName = (await page.locator('.jp-NotebookPanel:visible .jp-Toolbar-kernelName').innerText()).trim();
  assert.equal(kernelName, KERNEL_DISPLAY_NAME, 'the notebook toolbar names the kernel in use');
  log(`${notebook} is open with ${kernelName}, kernel idle`);
}

// The notebook's metadata names the kernel, so no dialog is expected; if
// JupyterLab asks anyway, pick memscope, as a person would.
async function answerKernelDialogIfAny(page) {
  const dialog = page.locator('.jp-Dialog');
  try {
    await dialog.waitFor({ state: 'visible', timeout: 3 * SECOND });
  } catch {
    return;
  }
  log(`a dialog appeared: ${(await dialog.innerText()).replace(/\s+/g, ' ').slice(0, 200)}`);
  const select = dialog.locator('select');
  if (await select.count()) await select.selectOption({ label: KERNEL_DISPLAY_NAME });
  await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
  await dialog.waitFor({ state: 'detached' });
}

// The toolbar's execution indicator shows the kernel status (data-status);
// the session must also be ready, so that an "idle" shown before the kernel
// is connected does not count.
async function waitForKernelIdle(page, timeout) {
  await page.waitForFunction(
    () => {
      const session = window.jupyterapp.shell.currentWidget?.sessionContext;
      return session?.isReady && session.session?.kernel?.status === 'idle';
    },
    null,
    { timeout },
  );
  await page.waitForSelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status="idle"]', {
    timeout,
  });
}

// --------------------------------------------------------------------------
// The debugger's Variables panel

const VARIABLES = '#jp-debugger-sidebar .jp-DebuggerVariables-body';

// The tree's top-level entries: name and detail (type and value) of each.
async function variableEntries(page) {
  return page.locator(`${VARIABLES} .jp-TreeItem`).evaluateAll((items) =>
    items.map((item) => ({
      name: item.querySelector(':scope > .jp-DebuggerVariables-name')?.textContent ?? '',
      detail: item.querySelector(':scope > .jp-DebuggerVariables-detail')?.textContent ?? '',
    })));
}

// Render Variable: the magnifier JupyterLab shows on the entry under the
// pointer opens the variable's rich view beside the notebook; for an array
// it is the memory table of its buffer, with every variable sharing it
// (`base`, the array it views, among them).
async function renderVariable(page, item, name, base) {
  await item.locator(':scope > .jp-DebuggerVariables-name').hover();
  const button = item.locator(':scope > .jp-DebuggerVariables-renderVariable');
  await button.waitFor({ state: 'visible', timeout: 10 * SECOND });
  assert.equal(await button.getAttribute('disabled'), null, 'Render Variable is disabled');
  const opened = () => page.evaluate(() =>
    [...window.jupyterapp.shell.widgets('main')].some((w) => w.hasClass('jp-DebuggerRichVariable')));
  // In JupyterLab 4.6 the first click on the magnifier of an entry just
  // expanded does not run its command: no render panel is created, so the
  // kernel is not even asked. A person clicks again, and so does the test,
  // once.
  for (let click = 1; click <= 2 && !(await opened()); click++) {
    await button.click();
    await page.waitForTimeout(2 * SECOND);
    if (click === 1 && !(await opened())) log('Render Variable: the first click opened nothing');
  }
  const panel = page.locator('.jp-DebuggerRichVariable', {
    has: page.locator('.jp-VariableRendererPanel-renderer table'),
  }).first();
  await panel.waitFor({ state: 'visible', timeout: 30 * SECOND });
  const shown = await panel.locator('.jp-VariableRendererPanel-renderer').evaluate((node) => ({
    text: node.textContent,
    // The first table is the variables'; the buffer's picture follows it.
    names: [...node.querySelector('table').tBodies[0].rows].map((row) => row.cells[0]?.textContent.trim()),
  }));
  log(`Render Variable ${name}: rows ${shown.names.join(', ')}`);
  assert.ok(shown.text.includes(MEMORY_HEADING), `Render Variable ${name} shows no memory table`);
  assert.ok(shown.names.includes(name) && shown.names.includes(base),
    `Render Variable ${name} should list ${name} and ${base}, the array it views (${shown.names})`);
  return panel;
}

// Whether some top-level entry of the panel is `name` with a detail matching `detail`.
async function panelShows(page, name, detail) {
  const entries = await variableEntries(page);
  return entries.some((e) => e.name === name && detail.test(e.detail));
}

// The panel follows the notebook: a new cell's variables appear when it
// ends, with their roles and values, and while a cell runs (printing, so
// JupyterLab asks on every output) the panel keeps showing the last
// completed cell's variables.
async function checkPanelFollowsCells(page, base) {
  await newCellAtEnd(page);
  await page.keyboard.type(
    `let live_count = 41_u64 + 1;\nlet live_view = ${base}.slice(s![..3]);\nlet live_list = vec![${base}.slice(s![1..2])];`);
  await page.keyboard.press('Shift+Enter');
  const until = Date.now() + 120 * SECOND;
  while (!(await panelShows(page, 'live_view', new RegExp(`^view of ${base}, \\[3\\]`)))) {
    assert.ok(Date.now() < until, `the panel never showed live_view as a view of ${base}: ${JSON.stringify(await variableEntries(page))}`);
    await page.waitForTimeout(250);
  }
  assert.ok(await panelShows(page, 'live_count', /^u64 · 42$/), 'the panel shows no live_count = 42');
  // An array kept in a Vec: the panel counts it, the table gives it a row
  // by its path.
  assert.ok(await panelShows(page, 'live_list', /^holds 1 array/),
    `the panel does not count live_list's array: ${JSON.stringify(await variableEntries(page))}`);
  const pathRow = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output tr',
    { hasText: 'live_list[0]' });
  await pathRow.first().waitFor({ state: 'visible', timeout: 30 * SECOND });
  const pathRowText = await pathRow.first().innerText();
  assert.ok(pathRowText.includes(`view of ${base}`), `the table's live_list[0] row: ${pathRowText}`);
  log('Variables panel: a new cell added live_view (a view), live_count = 42 and live_list (holds 1 array; its row live_list[0] is a view)');

  // Shift+Enter on the last cell left a new empty one below, being edited.
  const next = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active .cm-content');
  await next.click();
  assert.equal((await next.innerText()).trim(), '', 'Shift+Enter left no empty cell to type in');
  await page.keyboard.type('for i in 0..40 { println!("tick {i}"); std::thread::sleep(std::time::Duration::from_millis(100)); }');
  await page.keyboard.press('Shift+Enter');
  // (Shift+Enter left another empty cell below the running one.)
  const running = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output', { hasText: 'tick 5' });
  await running.first().waitFor({ state: 'visible', timeout: 120 * SECOND });
  const runningSince = Date.now();
  let checks = 0;
  while (await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt', { hasText: '[*]' }).count() > 0) {
    assert.ok(await panelShows(page, 'live_view', new RegExp(`^view of ${base}`)),
      `while the cell ran the panel lost live_view: ${JSON.stringify(await variableEntries(page))}`);
    checks++;
    await page.waitForTimeout(200);
  }
  const ended = Date.now();
  assert.ok(checks >= 3, `the printing cell ended before the panel could be checked (${checks} checks)`);
  // The list on screen could be the one from before the cell, so it does
  // not show that the kernel answered meanwhile: the replies on the wire do.
  const during = debugReplies.filter((r) => r.command === 'inspectVariables' && r.at >= runningSince && r.at < ended);
  assert.ok(during.length >= 3 && during.every((r) => r.success),
    `inspectVariables was answered ${during.length} times while the cell ran (${during.filter((r) => !r.success).length} failures)`);
  log(`Variables panel: kept its variables through a running cell (${checks} checks, ${during.length} inspectVariables answered while it ran)`);
}

async function checkVariablesPanel(page) {
  log('debugger: on');
  await page.locator('.jp-NotebookPanel:visible .jp-DebuggerBugButton').first().click();
  try {
    await page.locator('#jp-debugger-sidebar').waitFor({ state: 'visible', timeout: 10 * SECOND });
  } catch {
    // Opened by hand, as a person would from the right sidebar.
    await page.evaluate(() => window.jupyterapp.shell.activateById('jp-debugger-sidebar'));
    await page.locator('#jp-debugger-sidebar').waitFor({ state: 'visible', timeout: 30 * SECOND });
  }
  await page.waitForFunction(
    (selector) => [...document.querySelectorAll(`${selector} .jp-DebuggerVariables-detail`)].some((d) => d.textContent.includes('view of')),
    VARIABLES,
    { timeout: 60 * SECOND },
  );
  const entries = await variableEntries(page);
  log(`Variables panel: ${entries.length} entries, e.g. ${entries.slice(0, 4).map((e) => `${e.name} ${e.detail}`).join(' | ')}`);
  assert.ok(entries.some((e) => /owner/.test(e.detail)), 'no owner among the variables');
  const view = entries.find((e) => /view of /.test(e.detail));
  assert.ok(view, 'no view among the variables');

  // Expand the view: its children are the memory table's columns.
  const item = page.locator(`${VARIABLES} .jp-TreeItem`, {
    has: page.locator(':scope > .jp-DebuggerVariables-name', { hasText: new RegExp(`^${view.name}$`) }),
  }).first();
  await item.locator(':scope > .jp-DebuggerVariables-name').click();
  await page.waitForFunction(
    (selector) => [...document.querySelectorAll(`${selector} .jp-DebuggerVariables-name`)].some((n) => n.textContent === 'base / alias of'),
    VARIABLES,
    { timeout: 30 * SECOND },
  );
  const names = await page.locator(`${VARIABLES} .jp-DebuggerVariables-name`).allTextContents();
  for (const column of ['dtype', 'shape', 'strides', 'role', 'base / alias of', 'shares memory with']) {
    assert.ok(names.includes(column), `expanding ${view.name} shows no ${column}`);
  }
  const details = await page.locator(`${VARIABLES} .jp-DebuggerVariables-detail`).allTextContents();
  const base = view.detail.match(/view of (\w+)/)[1];
  assert.ok(details.includes(`view of ${base}`), 'the expanded columns show no values');

  const rendered = await renderVariable(page, item, view.name, base);
  await page.mouse.move(0, 0);
  const sidebar = page.locator('#jp-debugger-sidebar');
  await sidebar.screenshot({ path: path.join(config.screenshotDir, 'variables-light.png') });
  await rendered.screenshot({ path: path.join(config.screenshotDir, 'render-variable-light.png') });

  await changeTheme(page, 'JupyterLab Dark');
  await page.mouse.move(0, 0);
  await sidebar.screenshot({ path: path.join(config.screenshotDir, 'variables-dark.png') });
  await rendered.screenshot({ path: path.join(config.screenshotDir, 'render-variable-dark.png') });
  await changeTheme(page, 'JupyterLab Light');
  await page.evaluate(() => [...window.jupyterapp.shell.widgets('main')]
    .filter((w) => w.hasClass('jp-DebuggerRichVariable')).forEach((w) => w.close()));
  await page.evaluate(() => window.jupyterapp.shell.activateById(
    [...window.jupyterapp.shell.widgets('main')].find((w) => w.hasClass('jp-NotebookPanel')).id));
  await checkPanelFollowsCells(page, base);
  // The debugger off again.
  await page.locator('.jp-NotebookPanel:visible .jp-DebuggerBugButton').first().click();
  log('debugger: off');
}

// --------------------------------------------------------------------------
// Running all cells

async function clickMenu(page, menu, item) {
  log(`${menu} > ${item}`);
  await page.locator('.lm-MenuBar-item', { hasText: new RegExp(`^${menu}$`) }).click();
  await page.locator('.lm-Menu-item:visible', { hasText: item }).first().click();
}

// The notebook file may carry outputs from an earlier run; clearing them
// first makes sure every table counted below comes from this run.
async function clearAllOutputs(page) {
  await clickMenu(page, 'Edit', 'Clear Outputs of All Cells');
  await page.waitForFunction(
    (heading) => ![...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')].some((o) =>
      o.textContent.includes(heading)),
    MEMORY_HEADING,
  );
}

// Per code cell: its input prompt as shown ("[ ]:", "[*]:" or "[7]:"; read
// with textContent, since cells scrolled out of view are not rendered and
// have no innerText), whether it is empty (JupyterLab never numbers those),
// whether its tag says it is meant to fail, and its error outputs.
async function codeCellStates(page) {
  return page.evaluate(() =>
    window.jupyterapp.shell.currentWidget.content.widgets
      .map((cell, index) => ({ cell, index }))
      .filter(({ cell }) => cell.model.type === 'code')
      .map(({ cell, index }) => ({
        index,
        prompt: cell.node.querySelector('.jp-InputPrompt')?.textContent.trim() ?? '',
        empty: cell.model.sharedModel.getSource().trim() === '',
        raisesException: (cell.model.getMetadata('tags') || []).includes('raises-exception'),
        errors: cell.model.outputs
          .toJSON()
          .filter((output) => output.output_type === 'error')
          .map((output) => `${output.ename}: ${output.evalue}`),
      })),
  );
}

async function waitUntilAllCellsRan(page) {
  const deadline = Date.now() + config.runAllTimeout;
  let last = '';
  for (;;) {
    const cells = (await codeCellStates(page)).filter((cell) => !cell.empty);
    // A failing cell not tagged raises-exception stops Run All: fail now
    // with its error instead of waiting for the timeout.
    const unexpected = cells.filter((c) => c.errors.length && !c.raisesException).map((c) => `cell ${c.index}: ${c.errors}`);
    assert.deepEqual(unexpected, [], 'no cell fails unless it is tagged raises-exception');
    const summary = cells.map((c) => c.prompt).join(' ');
    if (summary !== last) {
      log(`prompts: ${summary}`);
      last = summary;
    }
    if (cells.length > 0 && cells.every((c) => /^\[\d+\]:$/.test(c.prompt))) {
      for (const c of cells.filter((c) => c.errors.length)) log(`cell ${c.index} failed as its tag says: ${c.errors}`);
      break;
    }
    assert.ok(Date.now() < deadline, `Run All did not finish within ${config.runAllTimeout / SECOND} s; prompts: ${summary}`);
    await page.waitForTimeout(500);
  }
  await waitForKernelIdle(page, 60 * SECOND);
  return (await codeCellStates(page)).length;
}

// --------------------------------------------------------------------------
// Memory tables

// Every memory table of the current notebook as plain data: its headers, and
// per row the text of each cell and, for a badge, its text and computed colours.
// An output holds one memory table (the one with a header row) followed by a
// small headerless table per buffer, the picture of who covers which element.
async function readMemoryTables(page) {
  return page.evaluate((heading) => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const outputs = [...panel.querySelectorAll('.jp-OutputArea-output')].filter((o) => o.textContent.includes(heading));
    const isMemoryTable = (table) => [...table.querySelectorAll('th')].some((th) => th.textContent.trim() === 'role');
    return outputs.flatMap((output) =>
      [...output.querySelectorAll('table')].filter(isMemoryTable).map((table) => ({
        headers: [...table.querySelectorAll('th')].map((th) => th.textContent.trim()),
        rows: [...table.querySelectorAll('tbody tr')].map((tr) =>
          [...tr.querySelectorAll('td')].map((td) => {
            const span = td.querySelector('span');
            const style = span && getComputedStyle(span);
            return {
              text: td.textContent.trim(),
              badge: span && { text: span.textContent.trim(), background: style.backgroundColor, color: style.color },
            };
          }),
        ),
      })),
    );
  }, MEMORY_HEADING);
}

// The role column's badges and the "base / alias of" column's texts, over all tables.
function rolesAndBases(tables) {
  const badges = [];
  const bases = [];
  for (const table of tables) {
    const role = table.headers.indexOf('role');
    const base = table.headers.indexOf('base / alias of');
    assert.ok(role >= 0 && base >= 0, `a memory table has "role" and "base / alias of" columns; headers: ${table.headers}`);
    for (const row of table.rows) {
      if (row[role].badge) badges.push(row[role].badge);
      bases.push(row[base].text);
    }
  }
  return { badges, bases };
}

const TRANSPARENT = new Set(['transparent', 'rgba(0, 0, 0, 0)']);

function checkMemoryTables(tables, expectedRoles, where) {
  assert.ok(tables.length > 0, `${where}: at least one output shows "${MEMORY_HEADING}" with a <table>`);
  const { badges, bases } = rolesAndBases(tables);
  const roleWords = new Set(badges.map((b) => b.text));
  for (const role of expectedRoles) {
    assert.ok(roleWords.has(role), `${where}: a "${role}" badge in the role column; badges seen: ${[...roleWords]}`);
  }
  assert.ok(
    bases.some((text) => /^view of \S+/.test(text)),
    `${where}: a "view of ..." entry in the "base / alias of" column; seen: ${[...new Set(bases)]}`,
  );
  const colourless = badges.filter((b) => TRANSPARENT.has(b.background));
  assert.deepEqual(
    colourless.map((b) => b.text),
    [],
    `${where}: every role badge has a background colour`,
  );
  return { roleWords: [...roleWords].sort(), badges };
}

// The output area of the memory table with the most roles in it (the most
// telling one to look at), scrolled into view.
async function mostTellingTableOutput(page) {
  const index = await page.evaluate((heading) => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const outputs = [...panel.querySelectorAll('.jp-OutputArea-output')].filter((o) => o.textContent.includes(heading));
    let best = 0;
    let bestScore = -1;
    outputs.forEach((output, i) => {
      const badges = [...output.querySelectorAll('td span')].map((s) => s.textContent.trim());
      const roles = new Set(badges.filter((b) => ['owner', 'view', 'alias'].includes(b)));
      const score = roles.size * 100 + output.querySelectorAll('tbody tr').length;
      if (score > bestScore) [best, bestScore] = [i, score];
    });
    return best;
  }, MEMORY_HEADING);
  const output = page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')
    .filter({ hasText: MEMORY_HEADING })
    .nth(index);
  await output.scrollIntoViewIfNeeded();
  return output;
}

// --------------------------------------------------------------------------
// Completion and inspection

// Adds a code cell at the end of the notebook and leaves it in edit mode.
async function newCellAtEnd(page) {
  const panel = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
  await panel.locator('.jp-Cell').last().locator('.jp-InputPrompt').click();
  await page.keyboard.press('Escape'); // command mode
  await page.keyboard.press('b'); // insert a cell below
  await page.keyboard.press('Enter'); // edit it
  await panel.locator('.jp-Cell.jp-mod-active .cm-content').waitFor({ state: 'visible' });
}

async function checkCompletion(page) {
  await newCellAtEnd(page);
  // `np::ar` has several completions (arange, array, array2), so JupyterLab
  // shows its popup instead of inserting a single match.
  await page.keyboard.type('np::ar');
  await page.keyboard.press('Tab');
  const completer = page.locator('.jp-Completer');
  await completer.waitFor({ state: 'visible', timeout: 60 * SECOND });
  // Each item: the match, and the kind the kernel gave it
  // (`_jupyter_types_experimental`), which JupyterLab draws as an icon or
  // monogram and writes out in the item's type column.
  const items = await completer.locator('.jp-Completer-item').evaluateAll((nodes) =>
    nodes.map((node) => ({
      match: node.querySelector('.jp-Completer-match')?.textContent.trim() ?? '',
      type: node.querySelector('.jp-Completer-typeExtended')?.textContent.trim() ?? '',
      marked: Boolean(node.querySelector('.jp-Completer-type')),
    })),
  );
  log(`completer shows: ${items.map((i) => `${i.match} (${i.type})`).join(' | ')}`);
  const arange = items.find((i) => i.match.startsWith('arange'));
  assert.ok(arange, `the completer lists arange; it shows: ${JSON.stringify(items)}`);
  assert.equal(arange.type, 'function', `arange's type column: ${JSON.stringify(arange)}`);
  assert.ok(arange.marked, `arange has a kind icon or monogram: ${JSON.stringify(arange)}`);
  await page.keyboard.press('Escape');
  await completer.waitFor({ state: 'hidden' });
}

// jupyter-resource-usage's Kernel Usage panel (right sidebar): its server
// extension asks the kernel for `usage_request` on control and the panel
// shows the reply. The process it names must be memscope's.
async function checkKernelUsagePanel(page) {
  const tab = page.locator('.jp-SideBar li[data-id="kernelusage-panel-id"]');
  await tab.click();
  const panel = page.locator('#kernelusage-panel-id');
  await panel.waitFor({ state: 'visible', timeout: 30 * SECOND });
  // The panel polls; the first reply fills in the kernel's process.
  await page.waitForFunction(
    () => /Process ID:\s*\d+/.test(document.querySelector('#kernelusage-panel-id')?.textContent ?? ''),
    null,
    { timeout: 60 * SECOND },
  );
  const lines = (await panel.locator('.jp-KernelUsage-separator').allTextContents()).map((t) => t.trim());
  log(`Kernel Usage panel: ${lines.join(' | ')}`);
  const field = (name) => lines.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim() ?? '';
  const pid = field('Process ID');
  const command = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
  assert.match(command, /memscope/, `the panel's process ${pid} is memscope's kernel: "${command}"`);
  assert.ok(field('Kernel Host'), `the panel names the host: ${lines}`);
  assert.match(field('Memory'), /\d.*B/, `the panel shows the kernel's memory: ${lines}`);
  assert.match(field('CPU'), /\d/, `the panel shows the kernel's CPU: ${lines}`);
  assert.ok(lines.some((l) => /% used on \d+ CPUs?$/.test(l)), `the panel shows the host's CPU: ${lines}`);
  await page.mouse.move(0, 0);
  await panel.screenshot({ path: path.join(config.screenshotDir, 'kernel-usage.png') });
  await tab.click(); // folds the sidebar again
}

async function checkInspection(page) {
  // Replace the cell's text, then put the cursor inside `zeros`.
  await page.keyboard.press('Control+a');
  await page.keyboard.type('let z = np::zeros(&[2]);');
  await page.keyboard.press('Home');
  for (let i = 0; i < 'let z = np::ze'.length; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+Tab');
  const tooltip = page.locator('.jp-Tooltip');
  await tooltip.waitFor({ state: 'visible', timeout: 60 * SECOND });
  const text = (await tooltip.innerText()).trim();
  log(`tooltip: ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
  assert.ok(text.length > 0, 'the tooltip has text');
  assert.match(text, /zeros/, 'the tooltip is about np::zeros');
  await page.keyboard.press('Escape');
}

// A chart from a crate that draws through evcxr's display convention:
// plotters' `evcxr_figure` sends an SVG inside HTML, which JupyterLab must
// draw as a picture, not print as text.
async function checkPlottersChart(page) {
  await newCellAtEnd(page);
  // Typed as a person types: the editor closes brackets and quotes, and
  // typing the closing one steps over it.
  await page.keyboard.type(
    ':dep plotters = { version = "=0.3.7", default-features = false, features = ["evcxr", "line_series"] }\n' +
      'use plotters::prelude::*;\n' +
      'evcxr_figure((360, 220), |root| { root.fill(&WHITE)?; ' +
      'let mut chart = ChartBuilder::on(&root).margin(10).build_cartesian_2d(0f32..1f32, 0f32..1f32)?; ' +
      'chart.draw_series(LineSeries::new((0..=20).map(|i| (i as f32 / 20.0, (i * i) as f32 / 400.0)), &BLUE))?; Ok(()) })',
  );
  const cell = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active');
  await page.keyboard.press('Control+Enter'); // run, staying on the cell
  const chart = cell.locator('.jp-OutputArea-output svg');
  // The first run compiles plotters.
  await chart.first().waitFor({ state: 'visible', timeout: 300 * SECOND });
  const drawn = await chart.first().evaluate((svg) => ({
    width: svg.getAttribute('width'),
    height: svg.getAttribute('height'),
    lines: svg.querySelectorAll('polyline').length,
    box: svg.getBoundingClientRect().toJSON(),
  }));
  log(`plotters chart: ${JSON.stringify(drawn)}`);
  assert.equal(drawn.width, '360');
  assert.equal(drawn.height, '220');
  assert.ok(drawn.lines >= 1, 'the line series is drawn');
  assert.ok(drawn.box.width > 300 && drawn.box.height > 180, `the chart is drawn at its size: ${JSON.stringify(drawn.box)}`);
  await page.mouse.move(0, 0);
  const output = cell.locator('.jp-OutputArea-output', { has: page.locator('svg') }).first();
  await output.screenshot({ path: path.join(config.screenshotDir, 'plotters-chart.png') });
}

// --------------------------------------------------------------------------
// Untrusted rendering

// Whether each cell with outputs is trusted, from the notebook model.
async function trustOfCellsWithOutputs(page) {
  return page.evaluate(() => {
    const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
    const trust = [];
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i);
      if (cell.type === 'code' && cell.outputs.length > 0) trust.push(cell.trusted);
    }
    return trust;
  });
}

// Compares the style attributes the kernel sent (the model's text/html) with
// the ones in the rendered DOM, over all memory table outputs. Declarations
// are counted per element name and property ("td padding"), and per exact
// value, so that a value the sanitizer rewrote is told apart from one it kept.
async function inlineStyleSurvival(page) {
  return page.evaluate((heading) => {
    const declarations = (element) =>
      (element.getAttribute('style') || '')
        .split(';')
        .map((declaration) => declaration.split(':'))
        .filter(([property]) => property.trim())
        .map(([property, ...value]) => [property.trim().toLowerCase(), value.join(':').trim().toLowerCase()]);
    const tally = (root) => {
      const byName = {};
      const byValue = {};
      for (const element of root.querySelectorAll('[style]')) {
        for (const [property, value] of declarations(element)) {
          const name = `${element.localName} ${property}`;
          byName[name] = (byName[name] || 0) + 1;
          byValue[`${name}: ${value}`] = (byValue[`${name}: ${value}`] || 0) + 1;
        }
      }
      return { byName, byValue };
    };
    const add = (total, part) => {
      for (const [key, n] of Object.entries(part)) total[key] = (total[key] || 0) + n;
    };
    const sent = { byName: {}, byValue: {} };
    const rendered = { byName: {}, byValue: {} };
    let outputs = 0;
    for (const cell of window.jupyterapp.shell.currentWidget.content.widgets) {
      if (cell.model.type !== 'code') continue;
      cell.model.outputs.toJSON().forEach((output, j) => {
        const html = [output.data?.['text/html']].flat().join('');
        if (!html.includes(heading)) return;
        const theirs = tally(new DOMParser().parseFromString(html, 'text/html').body);
        const ours = tally(cell.outputArea.widgets[j].node);
        add(sent.byName, theirs.byName);
        add(sent.byValue, theirs.byValue);
        add(rendered.byName, ours.byName);
        add(rendered.byValue, ours.byValue);
        outputs += 1;
      });
    }
    return outputs ? { outputs, sent, rendered } : null;
  }, MEMORY_HEADING);
}

// Sorts the sent "element property" pairs into kept (every declaration, same
// value), rewritten (present, other value) and stripped (some or all missing).
function describeStyleSurvival({ sent, rendered }) {
  const kept = [];
  const rewritten = [];
  const stripped = [];
  for (const [name, count] of Object.entries(sent.byName)) {
    const renderedCount = rendered.byName[name] || 0;
    const sameValue = Object.entries(sent.byValue)
      .filter(([key]) => key.startsWith(`${name}: `))
      .every(([key, n]) => rendered.byValue[key] === n);
    const label = `${name} (${renderedCount}/${count})`;
    if (renderedCount < count) stripped.push(label);
    else if (!sameValue) rewritten.push(label);
    else kept.push(label);
  }
  return { kept: kept.sort(), rewritten: rewritten.sort(), stripped: stripped.sort() };
}

async function checkUntrustedNotebook(page) {
  await openNotebook(page, config.executedNotebook, 'untrusted');
  const trust = await trustOfCellsWithOutputs(page);
  assert.ok(trust.length > 0, `${config.executedNotebook} carries outputs`);
  assert.ok(trust.every((t) => t === false), `${config.executedNotebook} is opened untrusted; trust per cell: ${trust}`);
  const survival = await inlineStyleSurvival(page);
  assert.ok(survival, `${config.executedNotebook} has a memory table output`);
  const { kept, rewritten, stripped } = describeStyleSurvival(survival);
  log(`untrusted HTML, inline style properties kept (rendered/sent): ${kept.join(', ') || 'none'}`);
  log(`untrusted HTML, inline style properties with rewritten values: ${rewritten.join(', ') || 'none'}`);
  log(`untrusted HTML, inline style properties stripped (rendered/sent): ${stripped.join(', ') || 'none'}`);
  const tables = await readMemoryTables(page);
  const result = checkMemoryTables(tables, config.expectedRoles, 'untrusted');
  log(`untrusted: ${tables.length} tables; badges ${result.roleWords.join(', ')}; ` +
    `badge colours ${[...new Set(result.badges.map((b) => `${b.text}=${b.background}`))].join(', ')}`);
  return { tables: tables.length, kept, rewritten, stripped };
}

// --------------------------------------------------------------------------
// Themes

async function changeTheme(page, theme) {
  await page.evaluate((name) => window.jupyterapp.commands.execute('apputils:change-theme', { theme: name }), theme);
  // The theme manager marks <body> once the new theme's CSS is in.
  await page.waitForFunction((name) => document.body.dataset.jpThemeName === name, theme, { timeout: 60 * SECOND });
  await page.waitForTimeout(500); // let the new colours paint
  log(`theme: ${theme}`);
}

// More room for the notebook, so that a whole table fits in a screenshot:
// the file browser is folded away, as a person would do with View > Show
// Left Sidebar.
async function foldLeftSidebar(page) {
  await page.evaluate(async () => {
    const app = window.jupyterapp;
    if (!app.shell.leftCollapsed) await app.commands.execute('application:toggle-left-area');
  });
}

async function screenshotTable(page, file) {
  const output = await mostTellingTableOutput(page);
  // The pointer would highlight the row under it.
  await page.mouse.move(0, 0);
  const { scrollWidth, clientWidth } = await output.evaluate((node) => ({
    scrollWidth: node.scrollWidth,
    clientWidth: node.clientWidth,
  }));
  if (scrollWidth > clientWidth) log(`note: the table is wider than its output area (${scrollWidth} > ${clientWidth} px) and is cut in ${file}`);
  const target = path.join(config.screenshotDir, file);
  await output.screenshot({ path: target });
  log(`screenshot ${target}`);
}

// --------------------------------------------------------------------------

async function main() {
  await mkdir(config.screenshotDir, { recursive: true });
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'memscope-chromium-'));
  const browser = await launchBrowser(userDataDir);
  const pageErrors = [];
  let page = null;
  try {
    page = browser.pages()[0] || (await browser.newPage());
    watchPageErrors(page, pageErrors);
    watchDebugReplies(page);

    await openNotebook(page, config.notebook);
    await foldLeftSidebar(page);
    await clearAllOutputs(page);
    await clickMenu(page, 'Run', 'Run All Cells');
    const codeCells = await waitUntilAllCellsRan(page);
    log(`all ${codeCells} code cells ran; kernel idle`);
    await mostTellingTableOutput(page); // scrolls the notebook to a table worth seeing
    await page.mouse.move(0, 0);
    // JupyterLab fills the window and scrolls inside it: the full page is the window.
    await page.screenshot({ path: path.join(config.screenshotDir, 'run-all.png'), fullPage: true });

    const tables = await readMemoryTables(page);
    const { roleWords } = checkMemoryTables(tables, config.expectedRoles, 'after Run All');
    log(`memory tables rendered: ${tables.length}; role badges: ${roleWords.join(', ')}`);

    await screenshotTable(page, 'table-light.png');
    await changeTheme(page, 'JupyterLab Dark');
    await screenshotTable(page, 'table-dark.png');
    checkMemoryTables(await readMemoryTables(page), config.expectedRoles, 'dark theme');
    await changeTheme(page, 'JupyterLab Light');

    await checkVariablesPanel(page);
    await checkCompletion(page);
    await checkInspection(page);
    await checkKernelUsagePanel(page);
    await checkPlottersChart(page);

    // A fresh page, as if the saved notebook were opened on another day; the
    // first page is closed without saving (its extra cell is not wanted).
    await page.close({ runBeforeUnload: false });
    page = await browser.newPage();
    watchPageErrors(page, pageErrors);
    const untrusted = await checkUntrustedNotebook(page);

    log(`PASS: ${tables.length} memory tables after Run All, ${untrusted.tables} in the untrusted copy`);
  } catch (error) {
    if (page) {
      await page.screenshot({ path: path.join(config.screenshotDir, 'failure.png') }).catch(() => {});
    }
    if (pageErrors.length) console.log(`browser errors:\n  ${pageErrors.slice(-20).join('\n  ')}`);
    throw error;
  } finally {
    await browser.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  log(`FAIL: ${error.stack || error}`);
  process.exitCode = 1;
});
