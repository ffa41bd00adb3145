/**
 * Exact chunks and symbols for every language's sample in fixtures/samples.
 * Each sample is parsed with the default bounds and, where it has classes or
 * long functions, with a small maxChunkLines so headers, member chunks and
 * windows show up too. Rows are compact strings so a failure diff is readable:
 *   chunk:  `start-end kind symbol`            (`-` for no symbol)
 *   symbol: `kind container::name start-end @nameLine:nameColumn`
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseFile } from '../daemon/lang/chunker.js';
import { languageForPath } from '../daemon/lang/languages.js';
import type { Chunk, ChunkOptions, SymbolInfo } from '../daemon/lang/types.js';

interface Case {
  file: string;
  language: string;
  opts?: ChunkOptions;
  chunks: string[];
  symbols?: string[];
}

const chunkRow = (c: Chunk) => `${c.startLine}-${c.endLine} ${c.kind} ${c.symbol ?? '-'}`;
const symbolRow = (s: SymbolInfo) => `${s.kind} ${s.container ?? ''}::${s.name} ${s.startLine}-${s.endLine} @${s.nameLine}:${s.nameColumn}`;

function sample(file: string): string {
  return readFileSync(new URL(`../fixtures/samples/${file}`, import.meta.url), 'utf8');
}

const CASES: Case[] = [
  {
    file: 'python/cache.py',
    language: 'python',
    chunks: ['1-11 statements -', '14-15 class CacheError', '18-58 class LRUCache', '61-71 function memoize', '74-74 function warm', '77-80 statements -'],
    symbols: [
      'constant ::K 7-7 @7:0',
      'constant ::V 8-8 @8:0',
      'constant ::DEFAULT_TTL 10-10 @10:0',
      'constant ::MAX_ENTRIES 11-11 @11:0',
      'class ::CacheError 14-15 @14:6',
      'class ::LRUCache 19-58 @20:6',
      'field LRUCache::hits 23-23 @23:4',
      'field LRUCache::misses 24-24 @24:4',
      'constructor LRUCache::__init__ 26-31 @26:8',
      'method LRUCache::size 33-35 @34:8',
      'method LRUCache::get 37-45 @37:8',
      'method LRUCache::put 47-51 @47:8',
      'class LRUCache::Stats 53-58 @53:10',
      'method LRUCache.Stats::ratio 56-58 @56:12',
      'function ::memoize 61-71 @61:4',
      'function ::warm 74-74 @74:10',
    ],
  },
  {
    file: 'python/cache.py',
    language: 'python',
    opts: { maxChunkLines: 20 },
    chunks: [
      '1-11 statements -',
      '14-15 class CacheError',
      '18-24 header LRUCache',
      '26-31 constructor LRUCache.__init__',
      '33-35 method LRUCache.size',
      '37-45 method LRUCache.get',
      '47-51 method LRUCache.put',
      '53-58 class LRUCache.Stats',
      '61-71 function memoize',
      '74-74 function warm',
      '77-80 statements -',
    ],
  },
  {
    file: 'javascript/router.js',
    language: 'javascript',
    chunks: ['1-5 statements -', '7-13 function splitPath', '15-20 function compose', '22-49 class Router', '51-58 function walk'],
    symbols: [
      'constant ::METHODS 4-4 @4:6',
      'variable ::requestCount 5-5 @5:4',
      'function ::splitPath 11-13 @11:16',
      'function ::compose 16-20 @16:13',
      'class ::Router 22-49 @22:21',
      'field Router::#routes 23-23 @23:2',
      'field Router::version 24-24 @24:9',
      'constructor Router::constructor 26-29 @26:2',
      'method Router::add 32-36 @32:2',
      'method Router::dispatch 38-44 @38:8',
      'method Router::size 46-48 @46:6',
      'function ::walk 51-56 @51:10',
    ],
  },
  {
    file: 'javascript/router.js',
    language: 'javascript',
    opts: { maxChunkLines: 12 },
    chunks: [
      '1-5 statements -',
      '7-13 function splitPath',
      '15-20 function compose',
      '22-24 header Router',
      '26-29 constructor Router.constructor',
      '31-36 method Router.add',
      '38-44 method Router.dispatch',
      '46-49 method Router.size',
      '51-58 function walk',
    ],
  },
  {
    file: 'jsx/Counter.jsx',
    language: 'jsx',
    chunks: ['1-11 function Counter', '13-13 function Badge', '15-26 class Panel'],
    symbols: ['function ::Counter 4-11 @4:16', 'function ::Badge 13-13 @13:6', 'class ::Panel 15-24 @15:13', 'method Panel::render 16-23 @16:2'],
  },
  {
    file: 'typescript/store.ts',
    language: 'typescript',
    chunks: [
      '1-11 interface StoreOptions',
      '13-16 enum Mode',
      '18-22 constant DEFAULTS',
      '24-26 function sealed',
      '28-53 class Store',
      '55-59 namespace Store',
      '61-65 module ./db.js',
      '67-69 class Repo',
      '71-71 function byId',
      '73-77 function overloaded',
    ],
    symbols: [
      'type ::Id 3-3 @3:12',
      'interface ::StoreOptions 6-11 @6:17',
      'property StoreOptions::path 8-8 @8:2',
      'property StoreOptions::readonly 9-9 @9:2',
      'method StoreOptions::open 10-10 @10:2',
      'enum ::Mode 13-16 @13:12',
      'constant ::DEFAULTS 18-22 @18:13',
      'function ::sealed 24-26 @24:9',
      'class ::Store 28-53 @29:13',
      'field Store::items 30-30 @30:19',
      'field Store::instances 31-31 @31:9',
      'constructor Store::constructor 33-35 @33:2',
      'method Store::put 38-40 @38:2',
      'method Store::get 42-44 @42:2',
      'method Store::[Symbol.iterator] 46-48 @46:3',
      'method Store::abstractish 50-52 @50:12',
      'namespace ::Store 55-59 @55:17',
      'function Store::create 56-58 @56:18',
      'module ::./db.js 61-65 @61:15',
      'interface ./db.js::Database 62-64 @62:12',
      'method ./db.js.Database::close 63-63 @63:4',
      'class ::Repo 67-69 @67:22',
      'method Repo::find 68-68 @68:11',
      'function ::byId 71-71 @71:13',
      'function ::overloaded 73-73 @73:16',
      'function ::overloaded 74-74 @74:16',
      'function ::overloaded 75-77 @75:16',
    ],
  },
  {
    file: 'typescript/store.ts',
    language: 'typescript',
    opts: { maxChunkLines: 12 },
    chunks: [
      '1-11 interface StoreOptions',
      '13-16 enum Mode',
      '18-22 constant DEFAULTS',
      '24-26 function sealed',
      '28-31 header Store',
      '33-35 constructor Store.constructor',
      '37-40 method Store.put',
      '42-44 method Store.get',
      '46-48 method Store.[Symbol.iterator]',
      '50-53 method Store.abstractish',
      '55-59 namespace Store',
      '61-65 module ./db.js',
      '67-69 class Repo',
      '71-71 function byId',
      '73-77 function overloaded',
    ],
  },
  {
    file: 'tsx/Form.tsx',
    language: 'tsx',
    chunks: ['1-6 interface FormProps', '8-20 function Form', '22-22 function Title'],
    symbols: [
      'interface ::FormProps 3-6 @3:10',
      'method FormProps::onSubmit 4-4 @4:2',
      'property FormProps::placeholder 5-5 @5:2',
      'function ::Form 9-20 @9:16',
      'function ::Title 22-22 @22:13',
    ],
  },
  {
    file: 'java/TaskQueue.java',
    language: 'java',
    chunks: ['1-5 statements -', '7-55 class TaskQueue', '57-61 interface Listener', '63-67 class Pair', '69-69 interface ThreadSafe'],
    symbols: [
      'class ::TaskQueue 10-55 @11:13',
      'field TaskQueue::DEFAULT_CAPACITY 12-12 @12:29',
      'field TaskQueue::tasks 13-13 @13:27',
      'field TaskQueue::capacity 14-14 @14:22',
      'constructor TaskQueue::TaskQueue 16-18 @16:11',
      'method TaskQueue::offer 21-29 @22:32',
      'method TaskQueue::poll 31-33 @31:36',
      'method TaskQueue::close 35-38 @36:16',
      'enum TaskQueue::State 41-49 @41:16',
      'method TaskQueue.State::accepts 46-48 @46:23',
      'class TaskQueue::Stats 51-54 @51:23',
      'field TaskQueue.Stats::offered 52-52 @52:13',
      'field TaskQueue.Stats::rejected 53-53 @53:13',
      'interface ::Listener 57-61 @57:10',
      'method Listener::onTask 58-58 @58:9',
      'method Listener::onClose 60-60 @60:17',
      'class ::Pair 63-67 @63:7',
      'method Pair::of 64-66 @64:29',
      'interface ::ThreadSafe 69-69 @69:11',
    ],
  },
  {
    file: 'java/TaskQueue.java',
    language: 'java',
    opts: { maxChunkLines: 15 },
    chunks: [
      '1-5 statements -',
      '7-14 header TaskQueue',
      '16-18 constructor TaskQueue.TaskQueue',
      '20-29 method TaskQueue.offer',
      '31-33 method TaskQueue.poll',
      '35-38 method TaskQueue.close',
      '40-49 enum TaskQueue.State',
      '51-55 class TaskQueue.Stats',
      '57-61 interface Listener',
      '63-67 class Pair',
      '69-69 interface ThreadSafe',
    ],
  },
  {
    file: 'c/ring.c',
    language: 'c',
    chunks: [
      '1-6 statements -',
      '8-13 struct ring_t',
      '15-17 enum ring_status',
      '19-29 function ring_new',
      '31-40 function ring_push',
      '42-42 struct point',
      '44-44 function ring_size',
    ],
    symbols: [
      'macro ::RING_MIN 5-5 @5:8',
      'macro ::RING_ALIGN 6-6 @6:8',
      'struct ::ring_t 8-13 @13:2',
      'field ring_t::data 9-9 @9:19',
      'field ring_t::head 10-10 @10:11',
      'field ring_t::tail 11-11 @11:11',
      'field ring_t::cap 12-12 @12:11',
      'enum ::ring_status 15-15 @15:5',
      'variable ::ring_count 17-17 @17:11',
      'function ::ring_new 20-29 @20:8',
      'function ::ring_push 31-38 @31:4',
      'function ::ring_free 40-40 @40:5',
      'struct ::point 42-42 @42:7',
      'field point::x 42-42 @42:19',
      'field point::y 42-42 @42:22',
      'function ::ring_size 44-44 @44:21',
    ],
  },
  {
    file: 'c/ring.c',
    language: 'c',
    opts: { maxChunkLines: 10 },
    chunks: [
      '1-6 statements -',
      '8-13 struct ring_t',
      '15-17 enum ring_status',
      '19-24 function ring_new',
      '25-29 function ring_new',
      '31-40 function ring_push',
      '42-42 struct point',
      '44-44 function ring_size',
    ],
  },
  {
    file: 'cpp/geometry.cpp',
    language: 'cpp',
    chunks: ['1-46 namespace geo', '48-53 function clamp'],
    symbols: [
      'namespace ::geo 4-46 @4:10',
      'struct geo::Vec2 7-10 @7:7',
      'field geo.Vec2::x 8-8 @8:11',
      'field geo.Vec2::y 8-8 @8:18',
      'method geo.Vec2::length 9-9 @9:11',
      'class geo::Polygon 15-28 @15:6',
      'constructor geo.Polygon::Polygon 17-17 @17:13',
      'method geo.Polygon::perimeter 19-19 @19:11',
      'method geo.Polygon::each 21-24 @22:9',
      'field geo.Polygon::points_ 27-27 @27:22',
      'method geo.Polygon::perimeter 30-38 @30:16',
      'namespace geo::detail 40-44 @40:10',
      'enum geo.detail::Winding 41-41 @41:11',
      'function geo.detail::sign 43-43 @43:11',
      'function ::clamp 48-51 @49:2',
      'type ::PointList 53-53 @53:6',
    ],
  },
  {
    file: 'cpp/geometry.cpp',
    language: 'cpp',
    opts: { maxChunkLines: 10 },
    chunks: [
      '1-4 header geo',
      '6-10 struct geo.Vec2',
      '12-16 header geo.Polygon',
      '17-19 constructor geo.Polygon.Polygon',
      '21-28 method geo.Polygon.each',
      '30-38 method geo.Polygon.perimeter',
      '40-46 namespace geo.detail',
      '48-53 function clamp',
    ],
  },
  {
    file: 'go/server.go',
    language: 'go',
    chunks: [
      '1-15 statements -',
      '17-21 struct Store',
      '23-26 interface Getter',
      '28-31 statements -',
      '33-36 function NewStore',
      '38-44 method Store.Get',
      '46-50 method Store.Set',
      '52-60 method Store.ServeHTTP',
      '62-68 function Map',
    ],
    symbols: [
      'constant ::DefaultAddr 11-11 @11:1',
      'constant ::maxBody 12-12 @12:1',
      'variable ::ErrNotFound 15-15 @15:4',
      'struct ::Store 18-21 @18:5',
      'field Store::mu 19-19 @19:1',
      'field Store::data 20-20 @20:1',
      'interface ::Getter 24-26 @24:5',
      'method Getter::Get 25-25 @25:1',
      'type ::Key 29-29 @29:1',
      'type ::Value 30-30 @30:1',
      'function ::NewStore 34-36 @34:5',
      'method Store::Get 39-44 @39:16',
      'method Store::Set 46-50 @46:16',
      'method Store::ServeHTTP 53-60 @53:16',
      'function ::Map 62-68 @62:5',
    ],
  },
  {
    file: 'go/server.go',
    language: 'go',
    opts: { maxChunkLines: 8 },
    chunks: [
      '1-8 statements -',
      '10-15 statements -',
      '17-21 struct Store',
      '23-26 interface Getter',
      '28-31 statements -',
      '33-36 function NewStore',
      '38-44 method Store.Get',
      '46-50 method Store.Set',
      '52-56 method Store.ServeHTTP',
      '57-60 method Store.ServeHTTP',
      '62-68 function Map',
    ],
  },
  {
    file: 'rust/tokens.rs',
    language: 'rust',
    chunks: [
      '1-6 statements -',
      '8-14 enum Token',
      '16-19 struct Lexer',
      '21-35 impl Lexer',
      '37-45 impl Token',
      '47-51 trait Visitor',
      '53-57 module util',
      '59-65 macro tok',
      '67-75 module tests',
    ],
    symbols: [
      'constant ::MAX_LEN 6-6 @6:10',
      'enum ::Token 10-14 @10:9',
      'struct ::Lexer 16-19 @16:11',
      'field Lexer::src 17-17 @17:4',
      'field Lexer::pos 18-18 @18:4',
      'impl ::Lexer 21-35 @21:9',
      'method Lexer::new 23-25 @23:11',
      'method Lexer::peek 27-29 @27:7',
      'method Lexer::bump 32-34 @32:7',
      'impl ::Token 37-45 @37:22',
      'method Token::fmt 38-44 @38:7',
      'trait ::Visitor 47-51 @47:10',
      'method Visitor::visit 48-48 @48:7',
      'method Visitor::done 50-50 @50:7',
      'module ::util 53-57 @53:4',
      'function util::is_ident 54-56 @54:11',
      'macro ::tok 59-63 @59:13',
      'type ::Result 65-65 @65:5',
      'module ::tests 68-75 @68:4',
      'function tests::lexes_punct 72-74 @72:7',
    ],
  },
  {
    file: 'rust/tokens.rs',
    language: 'rust',
    opts: { maxChunkLines: 8 },
    chunks: [
      '1-6 statements -',
      '8-14 enum Token',
      '16-19 struct Lexer',
      '21-21 header Lexer',
      '22-25 method Lexer.new',
      '27-29 method Lexer.peek',
      '31-35 method Lexer.bump',
      '37-37 header Token',
      '38-45 method Token.fmt',
      '47-51 trait Visitor',
      '53-57 module util',
      '59-65 macro tok',
      '67-69 header tests',
      '71-75 function tests.lexes_punct',
    ],
  },
  {
    file: 'ruby/inventory.rb',
    language: 'ruby',
    chunks: ['1-46 module Shop', '48-52 function report'],
    symbols: [
      'module ::Shop 5-46 @5:7',
      'constant Shop::VERSION 6-6 @6:2',
      'class Shop::Item 9-26 @9:8',
      'constructor Shop.Item::initialize 12-15 @12:8',
      'method Shop.Item::gross 18-20 @18:8',
      'method Shop.Item::parse 22-25 @22:13',
      'class Shop::Inventory 28-45 @28:8',
      'method Shop.Inventory::each 31-33 @31:8',
      'method Shop.Inventory::<< 35-38 @35:8',
      'method Shop.Inventory::empty 41-43 @41:10',
      'function ::report 48-50 @48:4',
    ],
  },
  {
    file: 'ruby/inventory.rb',
    language: 'ruby',
    opts: { maxChunkLines: 10 },
    chunks: [
      '1-6 header Shop',
      '8-10 header Shop.Item',
      '12-15 constructor Shop.Item.initialize',
      '17-20 method Shop.Item.gross',
      '22-26 method Shop.Item.parse',
      '28-29 header Shop.Inventory',
      '31-33 method Shop.Inventory.each',
      '35-38 method Shop.Inventory.<<',
      '40-46 method Shop.Inventory.empty',
      '48-52 function report',
    ],
  },
  {
    file: 'csharp/Scheduler.cs',
    language: 'csharp',
    chunks: ['1-44 namespace Acme.Jobs'],
    symbols: [
      'namespace ::Acme.Jobs 4-44 @4:10',
      'class Acme.Jobs::Scheduler 7-33 @8:24',
      'field Acme.Jobs.Scheduler::_jobs 10-10 @10:36',
      'constant Acme.Jobs.Scheduler::MaxJobs 11-11 @11:25',
      'property Acme.Jobs.Scheduler::Interval 13-13 @13:24',
      'constructor Acme.Jobs.Scheduler::Scheduler 15-18 @15:15',
      'method Acme.Jobs.Scheduler::Add 22-28 @23:20',
      'method Acme.Jobs.Scheduler::Dispose 30-30 @30:20',
      'field Acme.Jobs.Scheduler::Tick 32-32 @32:35',
      'interface Acme.Jobs::IJob 35-39 @35:21',
      'property Acme.Jobs.IJob::Name 37-37 @37:15',
      'method Acme.Jobs.IJob::Run 38-38 @38:13',
      'enum Acme.Jobs::Priority 41-41 @41:16',
      'struct Acme.Jobs::JobResult 43-43 @43:25',
    ],
  },
  {
    file: 'csharp/Scheduler.cs',
    language: 'csharp',
    opts: { maxChunkLines: 10 },
    chunks: [
      '1-5 header Acme.Jobs',
      '6-13 header Acme.Jobs.Scheduler',
      '15-18 constructor Acme.Jobs.Scheduler.Scheduler',
      '20-28 method Acme.Jobs.Scheduler.Add',
      '30-33 method Acme.Jobs.Scheduler.Dispose',
      '35-39 interface Acme.Jobs.IJob',
      '41-41 enum Acme.Jobs.Priority',
      '43-44 struct Acme.Jobs.JobResult',
    ],
  },
  {
    file: 'csharp/Program.cs',
    language: 'csharp',
    chunks: ['1-10 class Acme.App.Program'],
    symbols: ['namespace ::Acme.App 1-10 @1:10', 'class Acme.App::Program 3-10 @3:22', 'method Acme.App.Program::Main 5-9 @5:23'],
  },
  {
    file: 'php/UserRepository.php',
    language: 'php',
    chunks: [
      '1-10 statements -',
      '12-41 class App.Repository.UserRepository',
      '43-46 interface App.Repository.RepositoryInterface',
      '48-51 trait App.Repository.LoggerAwareTrait',
      '53-57 enum App.Repository.Status',
      '59-62 function App.Repository.paginate',
    ],
    symbols: [
      'namespace ::App.Repository 5-62 @5:10',
      'constant App.Repository::DEFAULT_LIMIT 10-10 @10:6',
      'class App.Repository::UserRepository 15-41 @16:12',
      'constant App.Repository.UserRepository::TABLE 20-20 @20:18',
      'constructor App.Repository.UserRepository::__construct 22-24 @22:20',
      'method App.Repository.UserRepository::find 29-35 @29:20',
      'method App.Repository.UserRepository::tableName 37-40 @37:27',
      'interface App.Repository::RepositoryInterface 43-46 @43:10',
      'method App.Repository.RepositoryInterface::find 45-45 @45:20',
      'trait App.Repository::LoggerAwareTrait 48-51 @48:6',
      'property App.Repository.LoggerAwareTrait::logger 50-50 @50:23',
      'enum App.Repository::Status 53-57 @53:5',
      'function App.Repository::paginate 59-62 @59:9',
    ],
  },
  {
    file: 'php/UserRepository.php',
    language: 'php',
    opts: { maxChunkLines: 10 },
    chunks: [
      '1-10 statements -',
      '12-20 header App.Repository.UserRepository',
      '22-24 constructor App.Repository.UserRepository.__construct',
      '26-35 method App.Repository.UserRepository.find',
      '37-41 method App.Repository.UserRepository.tableName',
      '43-46 interface App.Repository.RepositoryInterface',
      '48-51 trait App.Repository.LoggerAwareTrait',
      '53-57 enum App.Repository.Status',
      '59-62 function App.Repository.paginate',
    ],
  },
  {
    file: 'markdown/guide.md',
    language: 'markdown',
    chunks: ['1-26 section contextd guide'],
    symbols: [
      'section ::contextd guide 1-26 @1:2',
      'section contextd guide::Install 5-12 @5:3',
      'section contextd guide::Usage 14-21 @14:3',
      'section contextd guide.Usage::Search 16-18 @16:4',
      'section contextd guide.Usage::Symbols 20-21 @20:4',
      'section contextd guide::Configuration 23-26 @23:0',
    ],
  },
  {
    file: 'markdown/guide.md',
    language: 'markdown',
    opts: { maxChunkLines: 8 },
    chunks: ['1-3 section contextd guide', '5-12 section Install', '14-21 section Usage', '23-26 section Configuration'],
  },
  {
    file: 'yaml/ci.yml',
    language: 'yaml',
    chunks: ['1-13 window -'],
    symbols: [],
  },
  {
    file: 'yaml/ci.yml',
    language: 'yaml',
    opts: { maxChunkLines: 5 },
    chunks: ['1-5 window -', '7-11 window -', '12-13 window -'],
  },
];

for (const c of CASES) {
  t.test(`${c.file}${c.opts ? ` (maxChunkLines ${c.opts.maxChunkLines})` : ''}`, async (t) => {
    const text = sample(c.file);
    t.equal(languageForPath(c.file), c.language, 'language from the path');
    const r = await parseFile(c.file, text, c.language, c.opts);
    t.equal(r.language, c.language);
    t.equal(r.fallback, c.language === 'yaml', 'fallback only without a parser');
    t.equal(r.parseError, undefined);
    t.strictSame(r.chunks.map(chunkRow), c.chunks, 'chunks');
    if (c.symbols) t.strictSame(r.symbols.map(symbolRow), c.symbols, 'symbols');
    const lines = text.split('\n');
    for (const ch of r.chunks) {
      if (ch.text !== lines.slice(ch.startLine - 1, ch.endLine).join('\n')) t.fail(`text of ${chunkRow(ch)} is not its lines`);
    }
  });
}

t.test('signatures are the trimmed name line (the declaration line for C typedefs)', async (t) => {
  const sig = async (file: string, language: string, name: string) =>
    (await parseFile(file, sample(file), language)).symbols.find((s) => s.name === name)?.signature;
  t.equal(await sig('python/cache.py', 'python', 'LRUCache'), 'class LRUCache(Generic[K, V]):');
  t.equal(await sig('go/server.go', 'go', 'ServeHTTP'), 'func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {');
  t.equal(await sig('c/ring.c', 'c', 'ring_t'), 'typedef struct ring {');
  t.equal(await sig('java/TaskQueue.java', 'java', 'offer'), 'public synchronized boolean offer(T task) {');
  t.equal(await sig('markdown/guide.md', 'markdown', 'Configuration'), 'Configuration');
});

t.test('chunk text keeps doc comments and decorators with their definition', async (t) => {
  const chunk = async (file: string, language: string, symbol: string, opts?: ChunkOptions) =>
    (await parseFile(file, sample(file), language, opts)).chunks.find((c) => c.symbol === symbol)?.text ?? '';
  t.match(await chunk('python/cache.py', 'python', 'LRUCache'), /^# Entries older.*\n@dataclass_like/);
  t.match(await chunk('javascript/router.js', 'javascript', 'splitPath'), /^\/\*\*\n \* Split a URL path/);
  t.match(await chunk('java/TaskQueue.java', 'java', 'TaskQueue.offer', { maxChunkLines: 15 }), /^ {4}\/\*\* Adds a task.*\n {4}@SuppressWarnings/);
  t.match(await chunk('rust/tokens.rs', 'rust', 'Token'), /^\/\/\/ A lexical token\.\n#\[derive/);
  t.match(await chunk('csharp/Scheduler.cs', 'csharp', 'Acme.Jobs.Scheduler.Add', { maxChunkLines: 10 }), /^ {8}\/\/\/ <summary>Adds a job/);
  t.match(await chunk('php/UserRepository.php', 'php', 'App.Repository.UserRepository'), /^\/\*\*\n \* Loads and stores users\.\n \*\/\n#\[Repository/);
  t.match(await chunk('go/server.go', 'go', 'Store.Get'), /^\/\/ Get returns the value for key\.\nfunc/);
  t.match(await chunk('ruby/inventory.rb', 'ruby', 'Shop.Item.gross', { maxChunkLines: 10 }), /^ {4}# Price including tax\.\n {4}def gross/);
  t.match(await chunk('cpp/geometry.cpp', 'cpp', 'geo.Vec2', { maxChunkLines: 10 }), /^\/\/\/ A 2D vector\.\nstruct Vec2/);
});
