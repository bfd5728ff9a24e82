// Japanese and English. The language is the browser's (navigator.languages,
// which follows Accept-Language) until the user picks one with the switch;
// the pick is kept in localStorage.

const dict = {
  en: {
    brand: 'yagura',
    'nav.overview': 'Overview', 'nav.darknet': 'Darknet', 'nav.campaigns': 'Campaigns',
    'nav.indicators': 'Indicators', 'nav.members': 'Members',
    logout: 'Log out', switch: '日本語',
    'login.title': 'Log in to the hub', 'login.token': 'Hub token', 'login.submit': 'Log in',
    'login.bad': 'The token is unknown or revoked.', 'login.error': 'The hub could not be reached.',
    'level.title': 'Alert level', 'level.since': 'since', 'level.reasons': 'Why',
    'level.noreasons': 'No rule fires: the usual background.',
    'level.proposal': 'Waiting for an operator', 'level.proposed': 'Proposed level',
    'level.confirm': 'Confirm', 'level.reject': 'Reject', 'level.reason': 'Written reason (optional)',
    'level.history': 'History', 'level.live': 'live',
    'hist.time': 'Time', 'hist.kind': 'Change', 'hist.from': 'From', 'hist.to': 'To',
    'hist.who': 'Who', 'hist.reason': 'Reason',
    'ov.counts': 'Last 24 hours', 'ov.sightings': 'Sightings (alerts) reported',
    'ov.campaigns': 'Campaigns active', 'ov.visible': 'visible to you', 'ov.indicators': 'Live indicators', 'ov.darknet': 'Darknet surge score',
    'ov.hosts': 'Infected hosts', 'ov.bysector': 'Sightings by sector', 'ov.nosector': 'No sightings in the last 24 hours.',
    'dn.map': 'Scanning sources by country', 'dn.series': 'Packets per hour on a port, with the forecast band',
    'dn.port': 'Port', 'dn.proto': 'Protocol', 'dn.show': 'Show', 'dn.top': 'Top scanners',
    'dn.signals': 'Surges (24 h)', 'dn.nosignals': 'No surge flagged.',
    'dn.country': 'Country', 'dn.sources': 'Sources', 'dn.packets': 'Packets',
    'dn.ip': 'Address', 'dn.class': 'Class', 'dn.fingerprint': 'Fingerprint', 'dn.ports': 'Ports',
    'dn.lastseen': 'Last seen', 'dn.score': 'Score', 'dn.since': 'Since', 'dn.expected': 'Expected',
    'dn.observed': 'Observed', 'dn.noforecast': 'No forecast yet', 'dn.forecast': 'forecast',
    'dn.band': 'band', 'dn.updated': 'Updated', 'dn.nodata': 'No telescope data yet.',
    'cp.graph': 'Campaigns, their indicators and the organizations they reached',
    'cp.list': 'Campaigns', 'cp.name': 'Campaign', 'cp.orgs': 'Organizations', 'cp.subs': 'Submissions',
    'cp.values': 'Shared indicators', 'cp.none': 'No campaign is visible to you.',
    'cp.orgnode': 'organizations',
    'in.search': 'Search indicators', 'in.q': 'Id, name or pattern', 'in.go': 'Search',
    'in.matched': 'matched', 'in.id': 'Indicator', 'in.pattern': 'Pattern', 'in.tlp': 'TLP',
    'in.state': 'State', 'in.sightings': 'Sightings', 'in.orgs': 'Orgs', 'in.modified': 'Modified',
    'state.live': 'live', 'state.revoked': 'revoked', 'state.expired': 'expired', 'state.decayed': 'decayed',
    'mb.title': 'Members', 'mb.org': 'Organization', 'mb.sector': 'Sector', 'mb.country': 'Country',
    'mb.s24': 'Sightings (24 h)', 'mb.stotal': 'Sightings (all)', 'mb.last': 'Last sighting',
    'mb.sensors': 'Sensor tokens', 'mb.telescopes': 'Telescopes online',
    'mb.load': 'Time to load shared indicators (median / 95th, ms)',
    'mb.note': 'Admins see every member; others see their own organization.',
    error: 'Error', loading: 'Loading…',
  },
  ja: {
    brand: '櫓 yagura',
    'nav.overview': '概要', 'nav.darknet': 'ダークネット', 'nav.campaigns': 'キャンペーン',
    'nav.indicators': '指標', 'nav.members': '会員',
    logout: 'ログアウト', switch: 'English',
    'login.title': 'ハブにログイン', 'login.token': 'ハブのトークン', 'login.submit': 'ログイン',
    'login.bad': 'トークンが不明か失効しています。', 'login.error': 'ハブに接続できません。',
    'level.title': '警戒レベル', 'level.since': '開始', 'level.reasons': '理由',
    'level.noreasons': '発動したルールはありません（平常）。',
    'level.proposal': 'オペレーターの確認待ち', 'level.proposed': '提案レベル',
    'level.confirm': '承認', 'level.reject': '却下', 'level.reason': '理由（任意）',
    'level.history': '履歴', 'level.live': 'ライブ',
    'hist.time': '時刻', 'hist.kind': '変更', 'hist.from': '前', 'hist.to': '後',
    'hist.who': '実施者', 'hist.reason': '理由',
    'ov.counts': '直近24時間', 'ov.sightings': '報告された検知（アラート）',
    'ov.campaigns': '活動中のキャンペーン', 'ov.visible': '件が閲覧可能', 'ov.indicators': '有効な指標', 'ov.darknet': 'ダークネット急増スコア',
    'ov.hosts': '感染ホスト', 'ov.bysector': '業種別の検知', 'ov.nosector': '直近24時間の検知はありません。',
    'dn.map': '国別のスキャン元', 'dn.series': 'ポート別の毎時パケット数と予測帯',
    'dn.port': 'ポート', 'dn.proto': 'プロトコル', 'dn.show': '表示', 'dn.top': '上位スキャナー',
    'dn.signals': '急増（24時間）', 'dn.nosignals': '急増は検出されていません。',
    'dn.country': '国', 'dn.sources': '送信元数', 'dn.packets': 'パケット',
    'dn.ip': 'アドレス', 'dn.class': '分類', 'dn.fingerprint': 'フィンガープリント', 'dn.ports': 'ポート',
    'dn.lastseen': '最終観測', 'dn.score': 'スコア', 'dn.since': '開始', 'dn.expected': '予測',
    'dn.observed': '観測', 'dn.noforecast': '予測はまだありません', 'dn.forecast': '予測',
    'dn.band': '予測帯', 'dn.updated': '更新', 'dn.nodata': 'テレスコープのデータはまだありません。',
    'cp.graph': 'キャンペーン・指標・影響を受けた組織',
    'cp.list': 'キャンペーン', 'cp.name': 'キャンペーン', 'cp.orgs': '組織数', 'cp.subs': '提出数',
    'cp.values': '共有指標', 'cp.none': '閲覧できるキャンペーンはありません。',
    'cp.orgnode': '組織',
    'in.search': '指標の検索', 'in.q': 'ID・名前・パターン', 'in.go': '検索',
    'in.matched': '件一致', 'in.id': '指標', 'in.pattern': 'パターン', 'in.tlp': 'TLP',
    'in.state': '状態', 'in.sightings': '検知数', 'in.orgs': '組織', 'in.modified': '更新日時',
    'state.live': '有効', 'state.revoked': '取消', 'state.expired': '期限切れ', 'state.decayed': '減衰',
    'mb.title': '会員', 'mb.org': '組織', 'mb.sector': '業種', 'mb.country': '国',
    'mb.s24': '検知（24時間）', 'mb.stotal': '検知（累計）', 'mb.last': '最終検知',
    'mb.sensors': 'センサートークン', 'mb.telescopes': '稼働中のテレスコープ',
    'mb.load': '共有指標の反映時間（中央値／95%、ミリ秒）',
    'mb.note': '管理者は全会員を、その他は自組織のみを閲覧できます。',
    error: 'エラー', loading: '読み込み中…',
  },
};

const KEY = 'yg-lang';

function detect() {
  const kept = localStorage.getItem(KEY);
  if (kept === 'en' || kept === 'ja') return kept;
  for (const l of navigator.languages || [navigator.language]) {
    const p = String(l).toLowerCase().slice(0, 2);
    if (p === 'ja' || p === 'en') return p;
  }
  return 'en';
}

let current = detect();

export function lang() { return current; }

export function t(key) {
  return (dict[current] && dict[current][key]) || dict.en[key] || key;
}

export function setLang(l) {
  current = l === 'ja' ? 'ja' : 'en';
  localStorage.setItem(KEY, current);
  applyStatic();
}

// Texts of the static page (elements with data-i18n).
export function applyStatic() {
  document.documentElement.lang = current;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  const sw = document.getElementById('lang');
  if (sw) sw.textContent = t('switch');
}
