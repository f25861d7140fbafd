//! Joining: the screen a device shows until it has a token. Opening an
//! invitation link (`#/join/CODE`) fills the code; the person writes their
//! name, and the server registers the device with the invitation's role.

use leptos::prelude::*;
use shared::{FieldErrors, Values};

use crate::components::form::{RecordForm, at_once, text};
use crate::device;

/// «Подключение устройства».
#[component]
pub fn JoinPage() -> impl IntoView {
    let code = device::code_in_address().unwrap_or_default();
    let joined_as = device::stored().filter(|_| device::token().is_some());
    let initial = Values::default().with("code", code).with("name", "");
    let error = RwSignal::new(None::<String>);
    let waiting = RwSignal::new(false);
    let on_save = Callback::new(move |v: Values| at_once(join(v, error, waiting)));
    view! {
        <section class="join" data-testid="join">
            <h2>"Подключение устройства"</h2>
            <p>
                "Приложение хранит записи МО на этом устройстве и работает без интернета. \
                 Чтобы записи попали к коллегам, устройство подключается к серверу района \
                 по приглашению: его присылает руководитель МО школы или руководитель РМО."
            </p>
            {joined_as.map(|me| view! {
                <p class="note">{format!("Сейчас устройство подключено как «{}» ({}).", me.name, me.grant.role.label())}</p>
            })}
            <RecordForm
                fields=vec![
                    text("code", "Ссылка-приглашение или код"),
                    text("name", "Ваше имя (ФИО) или название устройства"),
                ]
                initial=initial
                on_save=on_save
                on_cancel=Callback::new(|()| {})
                testid="join-form"
            />
            <Show when=move || waiting.get()>
                <p class="note" data-testid="join-saving-app">
                    "Устройство подключено. Приложение сохраняется на устройстве для работы без интернета…"
                </p>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="field-error" role="alert" data-testid="join-error">{move || error.get()}</p>
            </Show>
        </section>
    }
}

/// How long a joined device waits for the app to be kept for offline use
/// before it reloads anyway.
const KEEP_WAIT_MS: u32 = 60_000;

/// The code from a pasted link (`…/#/join/CODE`) or the code itself.
fn code_of(input: &str) -> String {
    input.trim().rsplit("/join/").next().unwrap_or_default().trim().to_owned()
}

/// Checks the join form and, when it passes, joins in the background:
/// the app reloads as the device, or `error` says why not. Before the
/// reload it waits (a while at most) for the service worker to have kept
/// the app: on a slow connection the reloaded page would otherwise fetch
/// the engine again beside the service worker's copy.
fn join(v: Values, error: RwSignal<Option<String>>, waiting: RwSignal<bool>) -> Result<(), FieldErrors> {
    error.set(None);
    let (code, name) = (code_of(v.get("code")), v.get("name").trim().to_owned());
    let mut e = FieldErrors::default();
    if code.is_empty() {
        e.add("code", "Вставьте ссылку-приглашение или код из неё");
    }
    if name.is_empty() {
        e.add("name", "Напишите, как вас зовут");
    }
    if !e.is_empty() {
        return Err(e);
    }
    leptos::task::spawn_local(async move {
        match device::join(&code, &name).await {
            Ok(me) => {
                waiting.set(true);
                crate::pwa::kept_for_offline(KEEP_WAIT_MS).await;
                let start = if me.is_district() { "#/district" } else { "#/dashboard" };
                if let Some(w) = web_sys::window() {
                    let _ = w.location().set_hash(start);
                    let _ = w.location().reload();
                }
            }
            Err(err) => error.set(Some(err.message())),
        }
    });
    Ok(())
}
