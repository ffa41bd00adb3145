/**
 * A real editor as the client: headless Neovim starts `contextd lsp` (absolute
 * node + dist CLI), then runs a workspace-symbol query, a hover, and the
 * README's `contextd.search` -> quickfix mapping on a fixture repository.
 * The Lua side writes what Neovim got to a JSON file that this test checks.
 *
 * Skips (loudly) when `nvim` is missing; fails instead with CONTEXTD_REQUIRE_SERVICES=1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { CLI, REPO_ROOT } from './helpers/cli.js';
import { daemonWithRepo } from './helpers/daemon.js';

const nvimVersion = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const haveNvim = nvimVersion.status === 0;

/** The README's Lua block that defines `contextd_search` (so the documented mapping is what runs here). */
function readmeSearchSnippet(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```lua\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('local function contextd_search'));
  if (!block) throw new Error('README.md has no ```lua block defining contextd_search');
  return block;
}

const lua = (s: string) => JSON.stringify(s);

function script(opts: { node: string; cli: string; root: string; file: string; out: string; snippet: string }): string {
  return `
local out = { errors = {} }
local function finish()
  local f = io.open(${lua(opts.out)}, 'w')
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd('qa!')
end
local ok, err = pcall(function()
  vim.lsp.set_log_level('debug')
  vim.cmd('edit ' .. vim.fn.fnameescape(${lua(opts.file)}))
  local config = {
    name = 'contextd',
    cmd = { ${lua(opts.node)}, ${lua(opts.cli)}, 'lsp' },
    root_dir = ${lua(opts.root)},
    workspace_folders = { { uri = vim.uri_from_fname(${lua(opts.root)}), name = 'basic' } },
  }
  local id
  if vim.lsp.start then
    id = vim.lsp.start(config)          -- Neovim 0.8+
  else
    id = vim.lsp.start_client(config)   -- Neovim 0.7 (Debian bookworm)
    vim.lsp.buf_attach_client(0, id)
  end
  local client
  out.attached = vim.wait(30000, function()
    client = vim.lsp.get_client_by_id(id)
    return client ~= nil and client.server_capabilities ~= nil and client.server_capabilities.workspaceSymbolProvider == true
  end, 50)
  out.server_name = client and client.config.name

  -- workspace/symbol, as a plugin would ask (raw LSP result).
  local res = vim.lsp.buf_request_sync(0, 'workspace/symbol', { query = 'ConfigLoader' }, 20000)
  out.symbols = res and res[id] and res[id].result

  -- The built-in UX: :lua vim.lsp.buf.workspace_symbol('pjc') fills the quickfix list.
  vim.fn.setqflist({}, 'r')
  vim.lsp.buf.workspace_symbol('pjc')
  vim.wait(20000, function() return #vim.fn.getqflist() > 0 end, 50)
  out.symbol_qf = vim.tbl_map(function(i) return { file = vim.fn.fnamemodify(vim.fn.bufname(i.bufnr), ':p'), lnum = i.lnum, col = i.col, text = i.text } end, vim.fn.getqflist())
  vim.cmd('cclose')

  -- Hover on line 11 (\`with open(self.path) as f:\`), raw and as Neovim shows it.
  vim.api.nvim_win_set_cursor(0, { 11, 8 })
  local h = vim.lsp.buf_request_sync(0, 'textDocument/hover', vim.lsp.util.make_position_params(), 20000)
  out.hover = h and h[id] and h[id].result
  vim.lsp.buf.hover()
  local float_lines
  vim.wait(20000, function()
    for _, w in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(w).relative ~= '' then
        float_lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false)
        return true
      end
    end
    return false
  end, 50)
  out.hover_float = float_lines

  -- The README mapping's function: contextd.search into the quickfix list.
  local contextd_search = assert(loadstring(${lua(opts.snippet)} .. '\\nreturn contextd_search'))()
  vim.fn.setqflist({}, 'r')
  contextd_search('json config')
  vim.wait(20000, function() return #vim.fn.getqflist() > 0 end, 50)
  local qf = vim.fn.getqflist({ items = 1, title = 1 })
  out.search_title = qf.title
  out.search_qf = vim.tbl_map(function(i) return { file = vim.fn.fnamemodify(vim.fn.bufname(i.bufnr), ':p'), lnum = i.lnum, text = i.text } end, qf.items)
end)
if not ok then table.insert(out.errors, tostring(err)) end
finish()
`;
}

t.test(
  'headless Neovim drives contextd lsp',
  {
    skip:
      !haveNvim && process.env.CONTEXTD_REQUIRE_SERVICES !== '1'
        ? 'SKIPPED: nvim is not installed (apt-get install neovim); set CONTEXTD_REQUIRE_SERVICES=1 to make this a failure'
        : false,
  },
  async (t) => {
    if (!haveNvim) {
      t.fail('nvim is required (CONTEXTD_REQUIRE_SERVICES=1) but `nvim --version` failed: install Debian package neovim');
      return;
    }
    t.comment(nvimVersion.stdout.split('\n')[0]);
    const { dir, env, repo } = await daemonWithRepo(t, 'basic');

    const file = join(repo, 'src', 'config_loader.py');
    const out = join(dir, 'nvim-out.json');
    const luaFile = join(dir, 'drive.lua');
    writeFileSync(luaFile, script({ node: process.execPath, cli: CLI, root: repo, file, out, snippet: readmeSearchSnippet() }));
    const nvim = spawn('nvim', ['--headless', '--clean', '-n', '-c', `luafile ${luaFile}`], { env, cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    nvim.stdout.on('data', (d) => (log += d));
    nvim.stderr.on('data', (d) => (log += d));
    const timer = setTimeout(() => nvim.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((r) => nvim.on('exit', (c) => r(c)));
    clearTimeout(timer);
    const lspLog = () => {
      try {
        return readFileSync(join(env.HOME!, '.cache', 'nvim', 'lsp.log'), 'utf8').slice(-3000);
      } catch {
        return '(no lsp.log)';
      }
    };
    t.equal(code, 0, `nvim exited cleanly (${log.slice(-500)})`);
    if (code !== 0 || !existsSync(out)) {
      t.fail(`Neovim did not finish; its LSP log ends with:\n${lspLog()}`);
      return;
    }
    const got = JSON.parse(readFileSync(out, 'utf8')) as {
      errors: string[];
      attached: boolean;
      server_name: string;
      symbols: { name: string; kind: number; location: { uri: string; range: { start: { line: number; character: number } } } }[];
      symbol_qf: { file: string; lnum: number; col: number; text: string }[];
      hover: { contents: { kind: string; value: string } };
      hover_float: string[];
      search_title: string;
      search_qf: { file: string; lnum: number; text: string }[];
    };
    t.same(got.errors, [], 'the Lua script ran without errors');
    t.ok(got.attached, 'Neovim initialized the contextd client');
    t.equal(got.server_name, 'contextd');

    t.match(
      got.symbols?.[0],
      { name: 'ConfigLoader', kind: 5, location: { uri: `file://${file}`, range: { start: { line: 3, character: 6 } } } },
      'workspace/symbol result',
    );
    t.same(
      got.symbol_qf.map((i) => [i.file, i.lnum, i.col, i.text]),
      [
        [join(repo, 'src/configLoader.ts'), 1, 17, '[Function] parseJsonConfig'],
        [file, 15, 5, '[Function] parse_json_config'],
      ],
      "vim.lsp.buf.workspace_symbol('pjc') put both definitions in the quickfix list at their names",
    );

    t.equal(got.hover?.contents.kind, 'markdown');
    t.match(got.hover?.contents.value, /^Last changed by \*\*Ada Lovelace\*\*, 2024-01-10 .*Initial project layout/);
    const float = (got.hover_float ?? []).join('\n');
    t.match(float, /Ada Lovelace/, 'the hover float shows who changed the line');
    t.match(float, /ConfigLoader\.load/, 'and the enclosing method');

    t.equal(got.search_title, 'contextd: json config');
    t.ok(got.search_qf.length >= 2, `contextd.search filled the quickfix list (${got.search_qf.length} items)`);
    // Neovim's locations_to_items sorts by file and line, so the server's ranking is not the list's order.
    t.match(
      got.search_qf.find((i) => i.file === join(repo, 'src/configLoader.ts')),
      { lnum: 1, text: /parseJsonConfig/ },
      'the best hit is in the list',
    );
  },
);
